"""unwrapKey throughput of kura's Key Vault plane (hey, keep-alive, HTTPS on loopback) next to
`openssl speed rsa2048` private-key operations per second. Prints figures; not a test."""
import argparse
import base64
import json
import os
import re
import subprocess

import requests

from kura_server import KuraServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    server = KuraServer().start()
    try:
        run(server, args.seconds)
    finally:
        server.stop()
        server.cleanup()


def run(server, seconds):
    with open(os.path.join(server.data_dir, "admin-credentials.json")) as f:
        admin = json.load(f)
    with open(os.path.join(server.data_dir, "installation.json")) as f:
        subscription = json.load(f)["subscriptionId"]
    session = requests.Session()
    session.trust_env = False
    session.verify = server.ca_file
    base = f"https://localhost:{server.port}"

    def token(scope):
        reply = session.post(f"{base}/{admin['tenant']}/oauth2/v2.0/token",
                             data={"grant_type": "client_credentials", "client_id": admin["appId"], "client_secret": admin["password"],
                                   "scope": scope})
        reply.raise_for_status()
        return reply.json()["access_token"]

    arm = {"Authorization": "Bearer " + token("https://management.localhost//.default")}
    group = f"{base}/subscriptions/{subscription}/resourcegroups/bench"
    session.put(f"{group}?api-version=2024-11-01", json={"location": "local"}, headers=arm).raise_for_status()
    vault = f"{group}/providers/Microsoft.KeyVault/vaults/kvbench1"
    session.put(f"{vault}?api-version=2026-02-01", headers=arm, json={"location": "local", "properties": {
        "tenantId": admin["tenant"], "sku": {"family": "A", "name": "standard"}, "enablePurgeProtection": True,
        "accessPolicies": [{"tenantId": admin["tenant"], "objectId": admin["objectId"], "permissions": {"keys": ["all"]}}]}}).raise_for_status()
    vault_token = token(f"https://vault.localhost:{server.port}/.default")
    headers = {"Authorization": "Bearer " + vault_token}
    kv = f"https://kvbench1.vault.localhost:{server.port}"
    key = session.post(f"{kv}/keys/bench/create?api-version=7.6", json={"kty": "RSA", "key_size": 2048}, headers=headers)
    key.raise_for_status()
    kid = key.json()["key"]["kid"]
    data_key = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    wrapped = session.post(f"{kid}/wrapkey?api-version=7.6", json={"alg": "RSA-OAEP-256", "value": data_key}, headers=headers)
    wrapped.raise_for_status()
    body = json.dumps({"alg": "RSA-OAEP-256", "value": wrapped.json()["value"]})

    print(f"kura Key Vault unwrapKey, RSA-2048 RSA-OAEP-256, HTTPS keep-alive on loopback ({os.cpu_count()} cores), {seconds} s each")
    print(f"{'concurrency':>11} {'unwraps/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
    for connections in (1, 16, 64):
        out = subprocess.run(["hey", "-z", f"{seconds}s", "-c", str(connections), "-m", "POST", "-T", "application/json",
                              "-H", f"Authorization: Bearer {vault_token}", "-d", body, f"{kid}/unwrapkey?api-version=7.6"],
                             capture_output=True, text=True).stdout
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p50 = float(re.search(r"50% in ([\d.]+) secs", out).group(1)) * 1000
        p99 = float(re.search(r"99% in ([\d.]+) secs", out).group(1)) * 1000
        errors = sum(int(n) for status, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", out) if not status.startswith("2"))
        print(f"{connections:>11} {rate:>10.0f} {p50:>8.2f} {p99:>8.2f} {errors:>8}")

    for multi in (1, os.cpu_count() or 1):
        out = subprocess.run(["openssl", "speed", "-seconds", str(min(seconds, 5)), "-multi", str(multi), "rsa2048"],
                             capture_output=True, text=True).stdout
        row = re.search(r"rsa\s+2048 bits\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)", out)
        if row:
            print(f"openssl speed rsa2048 -multi {multi}: {float(row.group(1)):.0f} private-key ops/s (sign), {float(row.group(2)):.0f} public ops/s")
        else:
            print(f"openssl speed rsa2048 -multi {multi}: (could not parse)\n{out[-400:]}")


if __name__ == "__main__":
    main()
