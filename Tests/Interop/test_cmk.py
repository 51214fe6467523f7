"""Customer-managed keys end to end, with the real az CLI and skopeo: the seed's walkthrough, revocation
and restore latency, O(1) rotation, versionless keys that follow the vault, the identity in the audit log,
and no plaintext data key on disk."""
import glob
import json
import os
import subprocess
import time

import pytest
import requests

from az_cli import Az
from oci_layout import Layout
from test_keyvault import audit
from test_login import admin
from test_registry_aad import management_token


@pytest.fixture(scope="module")
def seed(kura, tmp_path_factory):
    """The seed's set-up: group, identity, vault with purge protection, policy, key, Premium CMK registry."""
    creds = admin(kura)
    az = Az(str(tmp_path_factory.mktemp("az")), kura).login(creds["appId"], creds["password"], creds["tenant"])
    az.ok("group", "create", "--name", "SeedRG", "--location", "eastus", "-o", "none")
    az.ok("identity", "create", "--resource-group", "SeedRG", "--name", "seedidentity", "-o", "none")
    identity_id = az.ok("identity", "show", "--resource-group", "SeedRG", "--name", "seedidentity", "--query", "id", "--output", "tsv").strip()
    principal = az.ok("identity", "show", "--resource-group", "SeedRG", "--name", "seedidentity", "--query", "principalId", "--output", "tsv").strip()
    az.ok("keyvault", "create", "--name", "seedvault1", "--resource-group", "SeedRG", "--enable-purge-protection",
          "--enable-rbac-authorization", "false", "--no-self-perms", "-o", "none")
    az.ok("keyvault", "set-policy", "--resource-group", "SeedRG", "--name", "seedvault1", "--object-id", creds["objectId"],
          "--key-permissions", "all", "-o", "none")
    az.ok("keyvault", "set-policy", "--resource-group", "SeedRG", "--name", "seedvault1", "--object-id", principal,
          "--key-permissions", "get", "unwrapKey", "wrapKey", "-o", "none")
    key_id = az.ok("keyvault", "key", "create", "--name", "seedkey", "--vault-name", "seedvault1", "--query", "key.kid", "--output", "tsv").strip()
    registry = az.json("acr", "create", "--resource-group", "SeedRG", "--name", "seedregistry", "--identity", identity_id,
                       "--key-encryption-key", key_id, "--sku", "Premium", "--admin-enabled", "true")
    credentials = az.json("acr", "credential", "show", "-n", "seedregistry")
    return {"az": az, "principal": principal, "identity_id": identity_id, "key_id": key_id, "registry": registry,
            "creds": f"{credentials['username']}:{credentials['passwords'][0]['value']}"}


def skopeo(*args):
    return subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=900)


def push(kura, seed, layout, tag):
    return skopeo("copy", "--preserve-digests", "--dest-cert-dir", kura.cert_dir, "--dest-creds", seed["creds"], f"oci:{layout.root}:{tag}",
                  f"docker://{seed['registry']['loginServer']}/seed/image:{tag}")


def pull(kura, seed, tag, target):
    return skopeo("copy", "--src-cert-dir", kura.cert_dir, "--src-creds", seed["creds"],
                  f"docker://{seed['registry']['loginServer']}/seed/image:{tag}", f"oci:{target}:{tag}")


def blob_status(kura, seed, digest):
    """The status and OCI error of GET blob (a quick probe for latency measurements)."""
    user, password = seed["creds"].split(":", 1)
    session = requests.Session()
    session.trust_env = False
    reply = session.get(f"https://{seed['registry']['loginServer']}/v2/seed/image/blobs/{digest}", auth=(user, password),
                        verify=kura.ca_file)
    code = reply.json()["errors"][0]["code"] if reply.status_code != 200 else None
    return reply.status_code, code, (reply.json()["errors"][0]["message"] if code else "")


def wait_for(probe, expected, limit=10.0):
    """Polls `probe()` until it returns `expected`; returns the seconds it took."""
    started = time.monotonic()
    while (got := probe()) != expected:
        assert time.monotonic() - started < limit, f"still {got!r} after {limit} s, expected {expected!r}"
        time.sleep(0.02)
    return time.monotonic() - started


def test_the_seed_walkthrough_with_az_and_skopeo(kura, seed, tmp_path):
    az = seed["az"]
    shown = az.json("acr", "encryption", "show", "--name", "seedregistry")
    assert shown["status"] == "enabled" and shown["keyVaultProperties"]["versionedKeyIdentifier"] == seed["key_id"]
    layout = Layout(str(tmp_path / "src"))
    image, manifest = layout.image([4096, 70 * 1024], seed=31, marker=b"seed walkthrough layer")
    layers = [layer["digest"] for layer in json.loads(manifest)["layers"]]
    layout.tag(image, "v1")
    assert push(kura, seed, layout, "v1").returncode == 0
    assert pull(kura, seed, "v1", str(tmp_path / "pulled")).returncode == 0

    new_key = az.ok("keyvault", "key", "create", "--name", "seedkey2", "--vault-name", "seedvault1", "--query", "key.kid", "-o", "tsv").strip()
    rotated = az.json("acr", "encryption", "rotate-key", "--name", "seedregistry", "--key-encryption-key", new_key,
                      "--identity", seed["principal"])
    assert rotated["encryption"]["keyVaultProperties"]["keyIdentifier"] == new_key
    assert az.json("acr", "encryption", "show", "--name", "seedregistry")["keyVaultProperties"]["versionedKeyIdentifier"] == new_key
    assert pull(kura, seed, "v1", str(tmp_path / "after-rotation")).returncode == 0

    az.ok("keyvault", "delete-policy", "--resource-group", "SeedRG", "--name", "seedvault1", "--object-id", seed["principal"], "-o", "none")
    refused = pull(kura, seed, "v1", str(tmp_path / "refused"))
    assert refused.returncode != 0 and ("403" in refused.stderr or "denied" in refused.stderr.lower())
    assert push(kura, seed, layout, "v2").returncode != 0
    status, code, message = blob_status(kura, seed, layers[0])
    print("probe while revoked:", status, code, message)
    assert (status, code) == (403, "DENIED") and "seedkey2" in message and "unwrapKey" in message
    raw = az.json("rest", "--method", "get", "--uri", seed["registry"]["id"] + "?api-version=2026-09-01-preview")
    assert raw["properties"]["encryption"]["keyVaultProperties"]["keyAccessible"] is False
    assert "unwrapKey" in raw["properties"]["encryption"]["keyVaultProperties"]["lastKeyError"]

    az.ok("keyvault", "set-policy", "--resource-group", "SeedRG", "--name", "seedvault1", "--object-id", seed["principal"],
          "--key-permissions", "get", "unwrapKey", "wrapKey", "-o", "none")
    assert pull(kura, seed, "v1", str(tmp_path / "restored")).returncode == 0

    az.ok("keyvault", "key", "delete", "--name", "seedkey2", "--vault-name", "seedvault1", "-o", "none")
    assert pull(kura, seed, "v1", str(tmp_path / "key-deleted")).returncode != 0
    az.ok("keyvault", "key", "recover", "--name", "seedkey2", "--vault-name", "seedvault1", "-o", "none")
    wait_for(lambda: blob_status(kura, seed, layers[0]), (200, None, ""))
    assert pull(kura, seed, "v1", str(tmp_path / "recovered")).returncode == 0


def test_revocation_and_restore_take_effect_within_a_second(kura, seed, tmp_path):
    az = seed["az"]
    layout = Layout(str(tmp_path / "src"))
    image, manifest = layout.image([2048], seed=32)
    layers = [layer["digest"] for layer in json.loads(manifest)["layers"]]
    layout.tag(image, "latency")
    assert push(kura, seed, layout, "latency").returncode == 0
    probe = layers[0]
    timings = {}
    for change, undo, name in (
        (("keyvault", "delete-policy", "--resource-group", "SeedRG", "--name", "seedvault1", "--object-id", seed["principal"]),
         ("keyvault", "set-policy", "--resource-group", "SeedRG", "--name", "seedvault1", "--object-id", seed["principal"],
          "--key-permissions", "get", "unwrapKey", "wrapKey"), "policy"),
        (("keyvault", "key", "set-attributes", "--name", "seedkey2", "--vault-name", "seedvault1", "--enabled", "false"),
         ("keyvault", "key", "set-attributes", "--name", "seedkey2", "--vault-name", "seedvault1", "--enabled", "true"), "key disable")):
        az.ok(*change, "-o", "none")
        timings[f"revoke ({name})"] = wait_for(lambda: blob_status(kura, seed, probe)[:2], (403, "DENIED"))
        az.ok(*undo, "-o", "none")
        timings[f"restore ({name})"] = wait_for(lambda: blob_status(kura, seed, probe)[0], 200)
    for what, seconds in timings.items():
        print(f"{what}: first refused/served request {seconds * 1000:.0f} ms after the vault change returned")
    assert all(seconds < 2.0 for seconds in timings.values()), timings


def large_image(layout, size, tag):
    """An image with one `size`-byte random layer, streamed to the layout (never whole in memory)."""
    import hashlib
    digest, path = hashlib.sha256(), os.path.join(layout.root, "blobs", "sha256", "partial")
    with open(path, "wb") as f:
        remaining = size
        while remaining:
            chunk = os.urandom(min(remaining, 8 << 20))
            digest.update(chunk)
            f.write(chunk)
            remaining -= len(chunk)
    os.rename(path, os.path.join(layout.root, "blobs", "sha256", digest.hexdigest()))
    layer = {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:" + digest.hexdigest(), "size": size}
    config = layout.blob(json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}}).encode(),
                         "application/vnd.oci.image.config.v1+json")
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": config,
                           "layers": [layer]}).encode()
    layout.tag(layout.blob(manifest, "application/vnd.oci.image.manifest.v1+json"), tag)


def registry_resource(kura, seed):
    """The registry's ARM document, read directly (faster than az, for timing)."""
    session = requests.Session()
    session.trust_env = False
    reply = session.get(f"https://localhost:{kura.port}{seed['registry']['id']}", params={"api-version": "2026-09-01-preview"},
                        headers={"Authorization": "Bearer " + management_token(kura)}, verify=kura.ca_file)
    assert reply.status_code == 200, reply.text
    return reply.json()


def registry_blob_files(kura):
    return {path: (os.stat(path).st_ino, os.stat(path).st_mtime_ns)
            for path in glob.glob(os.path.join(kura.data_dir, "blobs", "registries", "*", "blobs", "**", "*"), recursive=True)
            if os.path.isfile(path)}


def test_rotation_rewrites_no_blob_whatever_the_size(kura, seed, tmp_path):
    az = seed["az"]
    for size, tag in ((1 << 20, "mib"), (1 << 30, "gib")):
        layout = Layout(str(tmp_path / tag))
        large_image(layout, size, tag)
        pushed = push(kura, seed, layout, tag)
        assert pushed.returncode == 0, pushed.stderr
    before = registry_blob_files(kura)
    next_key = az.ok("keyvault", "key", "create", "--name", "seedkey3", "--vault-name", "seedvault1", "--query", "key.kid", "-o", "tsv").strip()
    started = time.monotonic()
    az.ok("acr", "encryption", "rotate-key", "--name", "seedregistry", "--key-encryption-key", next_key, "--identity", seed["principal"],
          "-o", "none")
    print(f"rotate-key over a registry holding 1 GiB + 1 MiB: {time.monotonic() - started:.2f} s (az included)")
    assert registry_blob_files(kura) == before, "no blob file was rewritten (same inodes and mtimes)"
    assert pull(kura, seed, "gib", str(tmp_path / "gib-after")).returncode == 0


def test_a_versionless_key_follows_the_vaults_rotation(kura, seed, tmp_path):
    az = seed["az"]
    az.ok("keyvault", "key", "create", "--name", "followed", "--vault-name", "seedvault1", "-o", "none")
    versionless = f"https://seedvault1.vault.localhost:{kura.port}/keys/followed"
    az.ok("acr", "encryption", "rotate-key", "--name", "seedregistry", "--key-encryption-key", versionless, "--identity", seed["principal"],
          "-o", "none")
    shown = az.json("acr", "encryption", "show", "--name", "seedregistry")["keyVaultProperties"]
    assert shown["keyRotationEnabled"] is True
    old_version = shown["versionedKeyIdentifier"]
    new_version = az.ok("keyvault", "key", "rotate", "--name", "followed", "--vault-name", "seedvault1", "--query", "key.kid",
                        "-o", "tsv").strip()
    assert new_version != old_version
    waited = wait_for(lambda: registry_resource(kura, seed)["properties"]["encryption"]["keyVaultProperties"]["versionedKeyIdentifier"],
                      new_version)
    print(f"versionless key: the registry followed the new version {waited * 1000:.0f} ms after `az keyvault key rotate` returned")
    assert waited < 2.0
    az.ok("keyvault", "key", "set-attributes", "--id", old_version, "--enabled", "false", "-o", "none")
    # No sleep to see whether that event was handled: disable the version in use too, and wait
    # until the registry is refused. Events are handled in order, so the old version's came first,
    # and the refusal must name the new version: a registry still bound to the old one would have
    # been revoked by the first event, naming the old version.
    user, password = seed["creds"].split(":", 1)
    session = requests.Session()
    session.trust_env = False
    manifest = session.get(f"https://{seed['registry']['loginServer']}/v2/seed/image/manifests/v1", auth=(user, password),
                           headers={"Accept": "application/vnd.oci.image.manifest.v1+json"}, verify=kura.ca_file)
    assert manifest.status_code == 200, manifest.text
    probe = manifest.json()["layers"][0]["digest"]
    az.ok("keyvault", "key", "set-attributes", "--id", new_version, "--enabled", "false", "-o", "none")
    wait_for(lambda: blob_status(kura, seed, probe)[:2], (403, "DENIED"))
    reason = blob_status(kura, seed, probe)[2]
    assert new_version in reason and old_version not in reason, reason
    az.ok("keyvault", "key", "set-attributes", "--id", new_version, "--enabled", "true", "-o", "none")
    wait_for(lambda: blob_status(kura, seed, probe)[0], 200)
    assert pull(kura, seed, "v1", str(tmp_path / "after-old-disabled")).returncode == 0


def test_the_vault_audit_shows_the_registry_identity_and_no_data_key_reaches_disk(kura, seed):
    entries = audit(kura, "seedvault1")["value"]
    mine = [e for e in entries if e["callerObjectId"] == seed["principal"]]
    operations = {e["operation"] for e in mine}
    assert {"KeyGet", "KeyWrap", "KeyUnwrap"} <= operations
    assert all(e["clientAddress"] == "kura-registry" for e in mine)
    assert any(e["resultCode"] == 403 for e in mine), "refused validations are audited too"
    assert audit(kura, "seedvault1", "/verify")["intact"] is True


def test_a_system_assigned_identity_works_like_a_user_assigned_one(kura, seed, tmp_path):
    az = seed["az"]
    layout = Layout(str(tmp_path / "src"))
    image, manifest = layout.image([3000], seed=34)
    layout.tag(image, "system")
    assert push(kura, seed, layout, "system").returncode == 0
    probe = json.loads(manifest)["layers"][0]["digest"]
    az.ok("acr", "identity", "assign", "--name", "seedregistry", "--identities", "[system]", "-o", "none")
    system = az.ok("acr", "identity", "show", "--name", "seedregistry", "--query", "principalId", "-o", "tsv").strip()
    assert system and system != seed["principal"]
    az.ok("keyvault", "set-policy", "--resource-group", "SeedRG", "--name", "seedvault1", "--object-id", system,
          "--key-permissions", "get", "unwrapKey", "wrapKey", "-o", "none")
    key = az.ok("keyvault", "key", "create", "--name", "systemkey", "--vault-name", "seedvault1", "--query", "key.kid", "-o", "tsv").strip()
    rotated = az.json("acr", "encryption", "rotate-key", "--name", "seedregistry", "--key-encryption-key", key, "--identity", "[system]")
    assert rotated["encryption"]["keyVaultProperties"]["identity"] == "system"
    az.ok("keyvault", "delete-policy", "--resource-group", "SeedRG", "--name", "seedvault1", "--object-id", seed["principal"], "-o", "none")
    assert blob_status(kura, seed, probe)[0] == 200, "the user-assigned identity no longer matters"
    az.ok("keyvault", "delete-policy", "--resource-group", "SeedRG", "--name", "seedvault1", "--object-id", system, "-o", "none")
    wait_for(lambda: blob_status(kura, seed, probe)[:2], (403, "DENIED"))
    az.ok("keyvault", "set-policy", "--resource-group", "SeedRG", "--name", "seedvault1", "--object-id", system,
          "--key-permissions", "get", "unwrapKey", "wrapKey", "-o", "none")
    wait_for(lambda: blob_status(kura, seed, probe)[0], 200)
    entries = audit(kura, "seedvault1")["value"]
    assert any(e["callerObjectId"] == system and e["operation"] == "KeyUnwrap" and e["resultCode"] == 200 for e in entries)
