"""Runs the real `kura serve` binary on loopback for interop tests and benchmarks.

The binary is `$KURA_BINARY`, else the debug build under `.build/`. Each `KuraServer` gets its
own data dir and a free port; it listens on 127.0.0.1 and ::1 only.
"""
import glob
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def kura_binary():
    if os.environ.get("KURA_BINARY"):
        return os.environ["KURA_BINARY"]
    candidates = glob.glob(os.path.join(REPO, ".build", "*", "debug", "kura")) + [os.path.join(REPO, ".build", "debug", "kura")]
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    raise RuntimeError("kura binary not found: build it first (scripts/test does)")


def free_port():
    for _ in range(100):
        port = 20000 + int.from_bytes(os.urandom(2), "big") % 40000
        ok = True
        for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            with socket.socket(family, socket.SOCK_STREAM) as s:
                try:
                    s.bind((address, port))
                except OSError:
                    ok = False
        if ok:
            return port
    raise RuntimeError("no free port")


class KuraServer:
    """One `kura serve` process on a data dir; can be stopped, killed and restarted."""

    def __init__(self, data_dir=None, port=None, extra_args=(), env=None):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="kura-interop-")
        self.port = port or free_port()
        self.extra_args = list(extra_args)  # more `kura serve` arguments, e.g. ["--set", "key=value"]
        self.env = dict(env or {})  # more environment, e.g. {"KURA_REGISTRY_BLOB_COLLECTION_GRACE": "1ms"}
        self.process = None
        self.stdout = ""
        self.registry_password = None

    @property
    def ca_file(self):
        return os.path.join(self.data_dir, "tls", "ca.pem")

    @property
    def cert_dir(self):
        """A directory holding the CA as ca.crt (what skopeo/podman --cert-dir want)."""
        path = os.path.join(self.data_dir + "-certs")
        os.makedirs(path, exist_ok=True)
        shutil.copy(self.ca_file, os.path.join(path, "ca.crt"))
        return path

    def registry_host(self, name="default"):
        return f"{name}.cr.localhost:{self.port}"

    def start(self):
        log = open(os.path.join(tempfile.gettempdir(), f"kura-{self.port}.out"), "w+")
        self.process = subprocess.Popen([kura_binary(), "serve", "--data-dir", self.data_dir, "--port", str(self.port),
                                         *self.extra_args], env={**os.environ, **self.env},
                                        stdout=log, stderr=subprocess.STDOUT)
        self._log = log
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                log.seek(0)
                raise RuntimeError("kura serve exited: " + log.read())
            if os.path.exists(self.ca_file):
                try:
                    context = ssl.create_default_context(cafile=self.ca_file)
                    with urllib.request.urlopen(f"https://127.0.0.1:{self.port}/healthz", context=context, timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
            time.sleep(0.1)
        else:
            raise RuntimeError("kura serve did not become healthy")
        log.seek(0)
        self.stdout = log.read()
        found = re.search(r"Registry 'default'.*?\n\s+username:\s+\S+\n\s+password:\s+(\S+)", self.stdout, re.S)
        if found:
            self.registry_password = found.group(1)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
        return self.process.returncode if self.process else None

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        shutil.rmtree(self.data_dir + "-certs", ignore_errors=True)
