"""Issue 13, point 2: connection exhaustion without credentials (loopback only, bounded).

2,000 idle TCP connections, 200 TLS connections that dribble a request head one byte a second and
10 kept-alive connections that dribble their second request: /healthz keeps answering, the server
closes the idle ones at its handshake timeout and the slow ones at its header timeout, and once the
flood is over its RSS is back within 20% of where it started. A second test fills a small
connection cap: the next connection is closed at once, the cap is logged, and the server serves
again once its deadlines have closed the idle connections.

Before the fix nothing was ever closed (0 of 1,000 slowloris connections after 100 s) and RSS
stayed at its peak after every connection had closed.
"""
import base64
import json
import os
import resource
import select
import selectors
import socket
import ssl
import tempfile
import time
import urllib.request
import http.client

import pytest

from kura_server import KuraServer

IDLE = 2000
SLOW = 200
SLOW_SECOND_REQUEST = 10
HANDSHAKE_TIMEOUT = 3
HEADER_TIMEOUT = 6
IDLE_TIMEOUT = 20
MARGIN = 6  # seconds a close may come after its deadline on a loaded CI machine


def raise_file_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"needs {needed} open files; the hard limit is {hard}")
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return soft, hard


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def healthz(server, timeout=10):
    context = ssl.create_default_context(cafile=server.ca_file)
    request = urllib.request.Request(f"https://127.0.0.1:{server.port}/healthz", headers={"Host": f"localhost:{server.port}"})
    with urllib.request.urlopen(request, context=context, timeout=timeout) as response:
        return response.status


def server_log(server):
    with open(os.path.join(tempfile.gettempdir(), f"kura-{server.port}.out"), errors="replace") as log:
        return log.read()


def tls_connect(server, context):
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return context.wrap_socket(raw, server_hostname="localhost")


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        assert chunk, "the server closed before answering"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(4096)
        assert chunk, "the server closed in the middle of a response"
        body += chunk
    return head.split(b"\r\n")[0]


def closed(sock):
    """Non-blocking: has the server closed this connection?"""
    try:
        data = sock.recv(1)
    except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
        return False
    except OSError:  # reset, TLS EOF
        return True
    return data == b""


class CloseWatch:
    """Waits on the connections themselves (epoll): a close by the server wakes it at once."""

    def __init__(self):
        self.selector = selectors.DefaultSelector()

    def add(self, sock):
        self.selector.register(sock, selectors.EVENT_READ)

    def forget(self, sock):
        try:
            self.selector.unregister(sock)
        except (KeyError, ValueError):
            pass

    def wait(self, timeout):
        """Returns when a watched connection has something to read (a close, mostly) or after `timeout` s."""
        if self.selector.get_map():
            self.selector.select(timeout=max(0.0, timeout))

    def close(self):
        self.selector.close()


def send_byte(sock, byte):
    try:
        sock.send(byte)
    except (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
        pass
    except OSError:
        pass  # closed: the next check sees it


def test_idle_and_slow_header_connections_are_closed_and_memory_returns():
    saved = resource.getrlimit(resource.RLIMIT_NOFILE)
    # This process holds every connection; the server (which inherits the limit and raises its
    # soft limit to the hard one) must afford a cap above them: (limit - 128) / 2 >= 2,300.
    raise_file_limit(5000)
    # Through the environment, which a build without these settings ignores (so the test shows it open to all of this).
    server = KuraServer(env={
        "KURA_SERVER_HANDSHAKE_TIMEOUT": f"{HANDSHAKE_TIMEOUT}s",
        "KURA_SERVER_HEADER_TIMEOUT": f"{HEADER_TIMEOUT}s",
        "KURA_SERVER_IDLE_TIMEOUT": f"{IDLE_TIMEOUT}s",
    }).start()
    idle, slow, kept_alive = [], [], []
    watch = CloseWatch()
    try:
        pid = server.process.pid
        context = ssl.create_default_context(cafile=server.ca_file)

        # Warm up (TLS, the HTTP path, the event loops' arenas), then take the starting RSS.
        for _ in range(150):
            assert healthz(server) == 200
        start_rss = rss_kib(pid)

        idle_closed_at, slow_closed_after = {}, {}
        last_dribble = [0.0]

        def sweep():
            """Notes which connections the server has closed; feeds each slow one a byte a second."""
            now = time.monotonic()
            for index, sock in enumerate(idle):
                if index not in idle_closed_at and closed(sock):
                    idle_closed_at[index] = now
                    watch.forget(sock)
            dribble = now - last_dribble[0] >= 1
            for index, (sock, started) in enumerate(slow + kept_alive):
                if index in slow_closed_after:
                    continue
                if closed(sock):
                    slow_closed_after[index] = now - started
                    watch.forget(sock)
                elif dribble:
                    send_byte(sock, b"a")
            if dribble:
                last_dribble[0] = now

        # 200 slowloris connections: TLS, a request line, then one header byte a second.
        for number in range(SLOW):
            sock = tls_connect(server, context)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            sock.setblocking(False)
            slow.append((sock, time.monotonic()))
            watch.add(sock)
            if number % 20 == 19:
                sweep()
        # Kept-alive connections whose second request head dribbles in (the first request is whole).
        for _ in range(SLOW_SECOND_REQUEST):
            sock = tls_connect(server, context)
            sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: localhost:{server.port}\r\n\r\n".encode())
            assert read_response(sock).startswith(b"HTTP/1.1 200")
            # A valid start of a second head (the dribbled bytes then extend its last header).
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            sock.setblocking(False)
            kept_alive.append((sock, time.monotonic()))
            watch.add(sock)
        # 2,000 idle TCP connections that never send a byte.
        opened_idle = time.monotonic()
        for number in range(IDLE):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            sock.setblocking(False)
            idle.append(sock)
            watch.add(sock)
            if number % 250 == 249:
                sweep()
        assert healthz(server) == 200, "/healthz answers beside 2,000 idle and 210 slow connections"
        peak_rss = rss_kib(pid)

        deadline = time.monotonic() + HEADER_TIMEOUT + MARGIN + 2
        while time.monotonic() < deadline:
            sweep()
            if len(idle_closed_at) == IDLE and len(slow_closed_after) == SLOW + SLOW_SECOND_REQUEST:
                break
            watch.wait(last_dribble[0] + 1 - time.monotonic())  # a close wakes it; else the next byte is due

        assert len(idle_closed_at) == IDLE, f"{IDLE - len(idle_closed_at)} idle connections still open"
        latest_idle = max(idle_closed_at.values()) - opened_idle
        assert latest_idle <= HANDSHAKE_TIMEOUT + MARGIN + 2, f"idle connections closed {latest_idle:.1f}s after they opened"
        assert len(slow_closed_after) == SLOW + SLOW_SECOND_REQUEST, \
            f"{SLOW + SLOW_SECOND_REQUEST - len(slow_closed_after)} slow connections still open"
        # Closed by the header deadline: not at the handshake deadline (the handshake had completed),
        # not at the idle timeout, and in spite of a byte every second.
        assert min(slow_closed_after.values()) >= HEADER_TIMEOUT - 1, slow_closed_after
        assert max(slow_closed_after.values()) <= HEADER_TIMEOUT + MARGIN, slow_closed_after
        assert healthz(server) == 200

        for sock in idle + [s for s, _ in slow + kept_alive]:
            sock.close()
        idle, slow, kept_alive = [], [], []

        # Freed memory goes back to the system once a burst of connections has closed. Another
        # process's memory has no event to wait on: /proc is read again until the bound is met or
        # the server's trim (scheduled 2 s after a burst, at most every 5 s) has long had its turn.
        limit = start_rss * 1.2
        rss = rss_kib(pid)
        rss_deadline = time.monotonic() + 20
        while rss > limit and time.monotonic() < rss_deadline:
            time.sleep(0.5)
            rss = rss_kib(pid)
        assert rss <= limit, f"RSS {rss} KiB after the flood; {start_rss} KiB at the start, {peak_rss} KiB at the peak"
        assert healthz(server) == 200
    finally:
        watch.close()
        for sock in idle + [s for s, _ in slow + kept_alive]:
            sock.close()
        server.cleanup()
        resource.setrlimit(resource.RLIMIT_NOFILE, saved)


def test_connections_over_the_cap_are_closed_at_once_and_logged():
    cap, handshake_timeout = 64, 5
    server = KuraServer(env={"KURA_SERVER_MAX_CONNECTIONS": str(cap), "KURA_SERVER_HANDSHAKE_TIMEOUT": f"{handshake_timeout}s"}).start()
    held, extra = [], []
    try:
        # Every connection over the cap is closed at once, without an answer. Which ones those are
        # is the server's choice (its event loops register new connections in parallel), so the
        # test opens the cap plus five and waits on all of them: exactly five close at once (the
        # others stay open until their handshake deadline, seconds later).
        opened = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(cap + 5)]
        began = time.monotonic()
        watch = selectors.DefaultSelector()
        for sock in opened:
            watch.register(sock, selectors.EVENT_READ)
        while len(extra) < 5 and time.monotonic() - began < 1.5:
            for key, _ in watch.select(timeout=max(0.0, 1.5 - (time.monotonic() - began))):
                sock = key.fileobj
                watch.unregister(sock)
                try:
                    data = sock.recv(1)
                except ConnectionError:
                    data = b""
                assert data == b"", "a connection over the cap is closed without an answer"
                extra.append(sock)
        assert not watch.select(timeout=0), "no connection within the cap is closed"
        watch.close()
        assert len(extra) == 5, f"{len(extra)} of {cap + 5} connections were closed at once; the {cap + 1}th and later must be"
        held = [sock for sock in opened if sock not in extra]
        with pytest.raises((OSError, http.client.HTTPException)):
            healthz(server, timeout=2)
        assert "connection limit reached" in server_log(server)

        # The handshake deadline closes the held connections (each read returns at its close); the
        # server serves again.
        deadline = time.monotonic() + handshake_timeout + MARGIN
        for sock in held:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                assert sock.recv(1) == b"", "the server closes an idle connection at its handshake deadline"
            except ConnectionError:
                pass
            except socket.timeout:
                pytest.fail("a held connection outlived its handshake deadline")
        assert healthz(server, timeout=10) == 200, "the server serves again once idle connections are closed"
    finally:
        for sock in held + extra:
            sock.close()
        server.cleanup()


def test_a_trickled_body_and_a_client_that_stops_reading_are_cut_off():
    body_timeout, rate, idle_timeout = 3, 1000, 4
    server = KuraServer(env={"KURA_SERVER_BODY_TIMEOUT": f"{body_timeout}s", "KURA_SERVER_BODY_MINIMUM_RATE": str(rate),
                             "KURA_SERVER_IDLE_TIMEOUT": f"{idle_timeout}s"}).start()
    try:
        context = ssl.create_default_context(cafile=server.ca_file)
        host = server.registry_host()
        head = (f"POST /oauth2/token HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 60000\r\n\r\n").encode()

        def open_tls():
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            return context.wrap_socket(sock, server_hostname=host.split(":")[0])

        # A body trickled a byte every 0.2 s: its allowance (3 s + 1 ms a byte) runs out.
        trickled = open_tls()
        trickled.sendall(head)
        started = time.monotonic()
        trickled.setblocking(False)
        closed_after = None
        while time.monotonic() - started < body_timeout + MARGIN:
            send_byte(trickled, b"a")
            if closed(trickled):
                closed_after = time.monotonic() - started
                break
            select.select([trickled], [], [], 0.2)  # the close wakes it; else the next byte is due
        assert closed_after is not None, "a trickled request body was never cut off"
        assert closed_after >= body_timeout - 0.5, closed_after

        # A slow but steady body (10 kB/s, ten times the minimum rate) runs past the timeout and is answered.
        steady = open_tls()
        steady.sendall(head)
        for _ in range(30):
            steady.sendall(b"a" * 2000)
            select.select([steady], [], [], 0.2)  # the client's pace (an early answer or close wakes it; the next send fails)
        answer = read_response(steady)
        assert answer.startswith(b"HTTP/1.1 "), answer[:80]
        steady.close()

        # A client that stops reading a large blob: the server cannot send, and closes after the idle timeout.
        from registry_client import Registry
        registry = Registry(server)
        blob = os.urandom(48 << 20)
        digest = registry.push_blob("slow/reader", blob, timeout=300)
        send_timeouts = timed_out_sends(server)
        reader = open_tls()
        credentials = base64.b64encode(f"default:{server.registry_password}".encode()).decode()
        reader.sendall(f"GET /v2/slow/reader/blobs/{digest} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {credentials}\r\n\r\n".encode())
        # The client reads nothing until the server reports the connection cut for its stalled send
        # (its own counter, read over another connection — no waiting on time); with its receive
        # window full, no close could reach the client before it reads again, which it does below.
        before = send_timeouts
        deadline = time.monotonic() + idle_timeout + MARGIN
        while timed_out_sends(server) == before:
            assert time.monotonic() < deadline, "the server kept a client that stopped reading past its idle timeout"
        reader.settimeout(2)
        received = 0
        try:
            while True:
                chunk = reader.recv(1 << 20)
                if not chunk:
                    break
                received += len(chunk)
        except (socket.timeout, ssl.SSLError, OSError):
            pytest.fail(f"the connection is still open after {received} bytes: the server kept a client that stopped reading")
        assert received < len(blob), "the whole blob was buffered: make it larger than the socket buffers"
        assert healthz(server) == 200
    finally:
        server.cleanup()


def metrics(server):
    """The server's /metrics text."""
    context = ssl.create_default_context(cafile=server.ca_file)
    request = urllib.request.Request(f"https://127.0.0.1:{server.port}/metrics", headers={"Host": f"localhost:{server.port}"})
    with urllib.request.urlopen(request, context=context, timeout=10) as response:
        return response.read().decode()


def timed_out_sends(server):
    """Connections the server has cut because a send stayed blocked past the idle timeout."""
    prefix = 'kura_connections_timed_out_total{phase="send"} '
    return sum(int(float(line[len(prefix):])) for line in metrics(server).splitlines() if line.startswith(prefix))


def requests_counted(server, route, method, status):
    """The server's count of `method route` requests answered `status` (hb_requests on /metrics)."""
    text = metrics(server)
    wanted = f'hb_requests{{http_route="{route}",http_request_method="{method}",http_response_status_code="{status}"}} '
    return sum(int(float(line[len(wanted):])) for line in text.splitlines() if line.startswith(wanted))


def test_a_client_that_drops_its_connection_mid_body_is_no_internal_error():
    """A client that sends part of a body and drops the connection (no TLS close_notify) is its own
    failure: counted as a 400 on the main host and a registry, and no `internal error` line is
    logged. (Before the fix each was a logged internal error counted as a 500.)"""
    server = KuraServer().start()
    try:
        context = ssl.create_default_context(cafile=server.ca_file)
        admin = json.load(open(os.path.join(server.data_dir, "admin-credentials.json")))
        basic = base64.b64encode(f"default:{server.registry_password}".encode()).decode()
        cases = [
            ("/{tenant}/oauth2/v2.0/token", "POST", f"/{admin['tenant']}/oauth2/v2.0/token", f"localhost:{server.port}",
             "Content-Type: application/x-www-form-urlencoded\r\n"),
            ("registry /v2/{name}/manifests/{reference}", "PUT", "/v2/team/app/manifests/v1", server.registry_host(),
             f"Authorization: Basic {basic}\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\n"),
        ]
        for route, method, path, host, headers in cases:
            before = requests_counted(server, route, method, 400)
            sock = tls_connect(server, context)
            sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Content-Length: 1000\r\n\r\n".encode() + b"{" * 10)
            # Close the TCP connection without TLS's close_notify (Python's close() sends none), as a
            # client that crashed mid-upload does.
            sock.close()
            # The server's own count says when it has finished with the request (no waiting on time).
            for _ in range(2000):
                if requests_counted(server, route, method, 400) > before:
                    break
            else:
                pytest.fail(f"{method} {route}: the dropped request was not counted as a 400")
        assert "internal error" not in server_log(server), server_log(server)[-2000:]
    finally:
        server.cleanup()
