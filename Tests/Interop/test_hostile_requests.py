"""Issue 13, points 5 and 6: numbers and framing a client controls never crash the server or
produce an unexplained 500 — each answers 4xx in the plane's own error format."""
import base64
import socket
import ssl

import pytest
import requests

from kura_server import KuraServer


@pytest.fixture(scope="module")
def server():
    started = KuraServer().start()
    yield started
    started.cleanup()


def session():
    s = requests.Session()
    s.trust_env = False
    return s


def basic(server):
    return "Basic " + base64.b64encode(f"default:{server.registry_password}".encode()).decode()


def alive(server):
    return session().get(f"https://localhost:{server.port}/healthz", verify=server.ca_file, timeout=10).status_code == 200


def new_upload(server):
    r = session().post(f"https://{server.registry_host()}/v2/hostile/repo/blobs/uploads/", headers={"Authorization": basic(server)},
                       verify=server.ca_file)
    assert r.status_code == 202, r.text
    return f"https://{server.registry_host()}" + r.headers["Location"]


def raw(server, host, head, body=b""):
    """Sends bytes as they are over TLS and returns (status, headers+body text)."""
    context = ssl.create_default_context(cafile=server.ca_file)
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as plain:
        with context.wrap_socket(plain, server_hostname=host.split(":")[0]) as tls:
            tls.sendall(head.encode() + body)
            received = b""
            while b"\r\n\r\n" not in received:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                received += chunk
            # Read the body that Content-Length announces, if any.
            header_text, _, rest = received.partition(b"\r\n\r\n")
            length = 0
            for line in header_text.decode("latin-1").split("\r\n")[1:]:
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            while len(rest) < length:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                rest += chunk
    status_line = header_text.decode("latin-1").split("\r\n")[0]
    return int(status_line.split()[1]), header_text.decode("latin-1") + "\n" + rest.decode("utf-8", "replace")


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize("content_range", ["0-9223372036854775807", "9223372036854775806-9223372036854775807",
                                           "0-1125899906842625", "-5-3", "5-2", "bytes 0-x"])
def test_a_huge_or_malformed_content_range_is_refused_not_fatal(server, method, content_range):
    location = new_upload(server)
    url = location + ("&" if "?" in location else "?") + "digest=sha256:" + "0" * 64 if method == "PUT" else location
    r = session().request(method, url, data=b"0123456789", headers={"Authorization": basic(server), "Content-Range": content_range,
                                                                     "Content-Type": "application/octet-stream"},
                          verify=server.ca_file)
    assert r.status_code in (400, 416), (r.status_code, r.text)
    assert r.json()["errors"][0]["code"] == "RANGE_INVALID"
    assert alive(server)


def test_a_negative_content_length_is_refused(server):
    location = new_upload(server)
    host = server.registry_host()
    path = location.split(host, 1)[1]
    status, text = raw(server, host, f"PATCH {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {basic(server)}\r\n"
                                     "Content-Length: -5\r\nConnection: close\r\n\r\n")
    assert 400 <= status < 500, text
    assert alive(server)


@pytest.mark.parametrize("path", ["/oauth2/token", "/oauth2/exchange"])
def test_an_oversized_token_form_is_413_in_ocis_format(server, path):
    form = "grant_type=password&service=x&scope=" + "a" * (100 << 10)
    r = session().post(f"https://{server.registry_host()}{path}", data=form,
                       headers={"Content-Type": "application/x-www-form-urlencoded"}, verify=server.ca_file)
    assert r.status_code == 413, (r.status_code, r.text)
    assert r.json()["errors"][0]["code"] == "SIZE_INVALID"


@pytest.mark.parametrize("chunks", [b"zz\r\nhello\r\n0\r\n\r\n",                      # not a hex size
                                    b"FFFFFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n",    # a size that overflows
                                    b"5\r\nhelloXX0\r\n\r\n"])                          # missing CRLF after data
def test_a_malformed_chunked_body_is_400_not_500(server, chunks):
    location = new_upload(server)
    host = server.registry_host()
    path = location.split(host, 1)[1]
    status, text = raw(server, host, f"PATCH {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: {basic(server)}\r\n"
                                     "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", chunks)
    assert status == 400, text
    assert alive(server)


def test_a_malformed_chunked_body_to_arm_and_a_vault_is_400(server):
    for host, path in ((f"localhost:{server.port}", "/subscriptions/x/resourcegroups/g?api-version=2024-11-01"),
                       (f"kv1.vault.localhost:{server.port}", "/keys/k/create?api-version=7.6")):
        status, text = raw(server, host, f"PUT {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer x\r\n"
                                         "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", b"zz\r\n{}\r\n0\r\n\r\n")
        assert status != 500 and status < 500, text
    assert alive(server)
