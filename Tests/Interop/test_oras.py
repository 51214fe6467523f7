"""oras-py (PyPI `oras`) pushes and pulls artifacts, monolithic and chunked."""
import os

import oras.client


def test_oras_push_pull_round_trip(kura, tmp_path):
    host = kura.registry_host()
    client = oras.client.OrasClient(hostname=host, tls_verify=kura.ca_file)
    client.login(username="default", password=kura.registry_password, hostname=host)

    files = tmp_path / "files"
    files.mkdir()
    payloads = {"a.bin": os.urandom(100_000), "b.txt": b"hello oras\n"}
    for name, data in payloads.items():
        (files / name).write_bytes(data)

    cwd = os.getcwd()
    os.chdir(files)
    try:
        client.push(files=list(payloads), target=f"{host}/interop/oras:v1")
        client.push(files=["a.bin"], target=f"{host}/interop/oras:chunked", do_chunked=True, chunk_size=16 * 1024)
    finally:
        os.chdir(cwd)

    for tag, expected in (("v1", payloads), ("chunked", {"a.bin": payloads["a.bin"]})):
        out = tmp_path / f"out-{tag}"
        pulled = client.pull(target=f"{host}/interop/oras:{tag}", outdir=str(out))
        got = {os.path.basename(p): open(p, "rb").read() for p in pulled}
        assert got == expected
