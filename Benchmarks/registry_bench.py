"""kura vs CNCF distribution: push/pull throughput and latency, CPU per GB, peak RSS, small requests.

Both servers: TLS on 127.0.0.1/::1, Basic auth (distribution: htpasswd/bcrypt; kura: the admin
user), filesystem storage in a temp dir. One client (python requests, streaming files) drives
both through the plain OCI HTTP API, alternating A/B each round. Figures, not pass/fail.
"""
import argparse
import base64
import hashlib
import mmap
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "Interop"))
from kura_server import KuraServer, free_port  # noqa: E402

MiB = 1 << 20


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Target:
    def __init__(self, name, base, auth, verify, pid, host_header=None):
        self.name, self.base, self.auth, self.pid = name, base, auth, pid
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = verify
        self.session.auth = auth

    def push(self, repository, path, digest):
        start = self.session.post(f"{self.base}/v2/{repository}/blobs/uploads/")
        assert start.status_code == 202, start.text
        location = start.headers["Location"]
        url = location if location.startswith("http") else self.base + location
        url += ("&" if "?" in url else "?") + "digest=" + digest
        # A memoryview of the mapped file goes out in one sendall (a file object would be sent in
        # 8 KiB writes and measure the client instead of the servers).
        if os.path.getsize(path) == 0:
            done = self.session.put(url, data=b"", headers={"Content-Type": "application/octet-stream"})
        else:
            with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped, memoryview(mapped) as view:
                done = self.session.put(url, data=view, headers={"Content-Type": "application/octet-stream"})
        assert done.status_code == 201, done.text

    def pull(self, repository, digest, size):
        got = 0
        with self.session.get(f"{self.base}/v2/{repository}/blobs/{digest}", stream=True) as r:
            assert r.status_code == 200, r.text
            for chunk in r.iter_content(chunk_size=4 * MiB):
                got += len(chunk)
        assert got == size


def make_blob(directory, size, seed):
    path = os.path.join(directory, f"blob-{size}-{seed}")
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        remaining = size
        block = os.urandom(min(size, 8 * MiB)) if size else b""
        counter = 0
        while remaining > 0:
            piece = (counter.to_bytes(8, "big") + block)[: min(len(block), remaining)]
            f.write(piece)
            digest.update(piece)
            remaining -= len(piece)
            counter += 1
    return path, "sha256:" + digest.hexdigest(), size


def start_distribution(work, port, cert, key, htpasswd):
    config = os.path.join(work, "distribution.yml")
    with open(config, "w") as f:
        f.write(f"""version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: {work}/distribution-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
  tls:
    certificate: {cert}
    key: {key}
auth:
  htpasswd:
    realm: bench
    path: {htpasswd}
""")
    process = subprocess.Popen(["docker-registry", "serve", config], stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "distribution.log"), "w"))
    for _ in range(100):
        try:
            requests.get(f"https://127.0.0.1:{port}/v2/", verify=False, timeout=1)
            return process
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("distribution did not start")


def tls_material(work):
    """A CA and a server certificate for 127.0.0.1 (distribution's side of 'same TLS')."""
    run = lambda *a: subprocess.run(a, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
        "-subj", "/CN=bench CA", "-keyout", f"{work}/ca.key", "-out", f"{work}/ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", f"{work}/server.key", "-out", f"{work}/server.csr")
    with open(f"{work}/ext.cnf", "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    run("openssl", "x509", "-req", "-in", f"{work}/server.csr", "-CA", f"{work}/ca.pem", "-CAkey", f"{work}/ca.key",
        "-CAcreateserial", "-days", "2", "-extfile", f"{work}/ext.cnf", "-out", f"{work}/server.pem")
    return f"{work}/ca.pem", f"{work}/server.pem", f"{work}/server.key"


def hey(url, auth, connections, method, seconds):
    """`hey` (keep-alive): requests/s, p50/p99 latency in ms, and the count of non-2xx answers."""
    out = subprocess.run(["hey", "-z", f"{seconds}s", "-c", str(connections), "-m", method,
                          "-H", f"Authorization: Basic {auth}", "-H", "Accept: application/vnd.oci.image.manifest.v1+json", url],
                         capture_output=True, text=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = float(re.search(r"50% in ([\d.]+) secs", out).group(1)) * 1000
    p99 = float(re.search(r"99% in ([\d.]+) secs", out).group(1)) * 1000
    statuses = re.findall(r"\[(\d{3})\]\s+(\d+) responses", out)
    errors = sum(int(count) for status, count in statuses if not status.startswith("2"))
    return rate, p50, p99, errors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    args = parser.parse_args()
    classes = [("1 MiB x100", MiB, 100), ("64 MiB x8", 64 * MiB, 8), ("1 GiB x1", 1024 * MiB, 1)]
    if args.quick:
        classes = [("1 MiB x10", MiB, 10), ("64 MiB x1", 64 * MiB, 1)]

    work = tempfile.mkdtemp(prefix="kura-bench-")
    kura = KuraServer(data_dir=os.path.join(work, "kura"))
    distribution = None
    try:
        kura.start()
        ca, cert, key = tls_material(work)
        subprocess.run(["htpasswd", "-Bbc", f"{work}/htpasswd", "bench", "bench-password"], check=True, capture_output=True)
        port = free_port()
        distribution = start_distribution(work, port, cert, key, f"{work}/htpasswd")
        targets = {
            "kura": Target("kura", f"https://{kura.registry_host()}", ("default", kura.registry_password), kura.ca_file, kura.process.pid),
            "distribution": Target("distribution", f"https://127.0.0.1:{port}", ("bench", "bench-password"), ca, distribution.pid),
        }
        blobs = {label: [make_blob(work, size, seed) for seed in range(count)] for label, size, count in classes}
        results = {}  # (target, label, op) -> dict(latencies, seconds, bytes, cpu)
        for round_number in range(args.rounds):
            order = ["kura", "distribution"] if round_number % 2 == 0 else ["distribution", "kura"]
            for label, size, count in classes:
                for name in order:
                    target = targets[name]
                    for op in ("push", "pull"):
                        entry = results.setdefault((name, label, op), {"latencies": [], "seconds": 0.0, "bytes": 0, "cpu": 0.0})
                        cpu0 = cpu_seconds(target.pid)
                        t0 = time.perf_counter()
                        for path, digest, blob_size in blobs[label]:
                            t = time.perf_counter()
                            if op == "push":
                                target.push("bench/blobs", path, digest)
                            else:
                                target.pull("bench/blobs", digest, blob_size)
                            entry["latencies"].append(time.perf_counter() - t)
                        entry["seconds"] += time.perf_counter() - t0
                        entry["bytes"] += size * count
                        entry["cpu"] += cpu_seconds(target.pid) - cpu0

        print(f"\nkura vs CNCF distribution 2.8 — {args.rounds} rounds, A/B alternating, TLS + Basic auth on both, loopback\n")
        print(f"{'blobs':<12} {'op':<5} {'server':<13} {'MB/s':>9} {'p50 ms':>9} {'p99 ms':>9} {'CPU s/GB':>9}")
        ratios = []
        for label, size, count in classes:
            for op in ("push", "pull"):
                rates = {}
                for name in ("kura", "distribution"):
                    e = results[(name, label, op)]
                    mbps = e["bytes"] / e["seconds"] / 1e6
                    rates[name] = mbps
                    lat = sorted(e["latencies"])
                    p50 = statistics.median(lat) * 1000
                    p99 = lat[min(len(lat) - 1, int(round(0.99 * (len(lat) - 1))))] * 1000
                    cpu_per_gb = e["cpu"] / (e["bytes"] / 1e9)
                    print(f"{label:<12} {op:<5} {name:<13} {mbps:9.1f} {p50:9.1f} {p99:9.1f} {cpu_per_gb:9.2f}")
                ratios.append((label, op, rates["kura"] / rates["distribution"]))

        # Small requests: HEAD blob and GET manifest.
        manifest_digests = {}
        for name, target in targets.items():
            config = b'{"architecture":"amd64","os":"linux"}'
            cfg_path = os.path.join(work, f"cfg-{name}")
            open(cfg_path, "wb").write(config)
            cfg_digest = "sha256:" + hashlib.sha256(config).hexdigest()
            target.push("bench/small", cfg_path, cfg_digest)
            manifest = ('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":'
                        '"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[]}' % (cfg_digest, len(config))).encode()
            r = target.session.put(f"{target.base}/v2/bench/small/manifests/v1", data=manifest,
                                   headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
            assert r.status_code == 201, r.text
            manifest_digests[name] = cfg_digest
        print(f"\n{'small request (hey)':<22} {'conc':>4} {'server':<13} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        small_ratios = []
        for what, method, path in (("HEAD blob", "HEAD", "/v2/bench/small/blobs/{cfg}"), ("GET manifest", "GET", "/v2/bench/small/manifests/v1")):
            for connections in (16, 64):
                rates = {}
                for name, target in targets.items():
                    auth = base64.b64encode(f"{target.auth[0]}:{target.auth[1]}".encode()).decode()
                    url = target.base + path.format(cfg=manifest_digests[name])  # kura's URL names the registry host
                    rate, p50, p99, errors = hey(url, auth, connections, method, 5 if args.quick else 10)
                    rates[name] = rate
                    print(f"{what:<22} {connections:>4} {name:<13} {rate:10.0f} {p50:8.2f} {p99:8.2f} {errors:>7}")
                small_ratios.append((what, connections, rates["kura"] / rates["distribution"]))

        print(f"\npeak RSS: kura {peak_rss_mib(kura.process.pid):.1f} MiB, distribution {peak_rss_mib(distribution.pid):.1f} MiB")
        print("\nratio kura / distribution (throughput; > 1 means kura is faster)")
        for label, op, ratio in ratios:
            print(f"  {label:<12} {op:<5} {ratio:5.2f}x")
        for what, connections, ratio in small_ratios:
            print(f"  {what:<12} c={connections:<3} {ratio:5.2f}x")
    finally:
        if distribution:
            distribution.terminate()
            distribution.wait(timeout=30)
        kura.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
