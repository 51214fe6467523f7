"""Issue 13, point 8: blob collection never loses an acknowledged push.

Four clients push the same layers into repositories of their own and delete the image again,
200 rounds in all, while collection runs (a grace period of 1 ms, so it runs as often as it can).
Every image is pulled back whole right after its push is acknowledged, and the last one of each
client at the end."""
import hashlib
import json
import threading

from kura_server import KuraServer
from registry_client import Registry

LAYERS = [bytes([n]) * (64 << 10) + b"layer %d" % n for n in range(3)]


def worker(registry, number, rounds, failures):
    repository = f"gc/worker{number}"
    for round_number in range(rounds):
        try:
            digest, body = registry.push_manifest(repository, "latest", LAYERS)
        except Exception as error:  # the repository links its own layers: nothing may refuse this push
            failures.append(f"{repository} round {round_number}: push failed: {error}")
            return
        missing = missing_parts(registry, repository, body)
        if missing:
            failures.append(f"{repository} round {round_number}: acknowledged image lost {missing}")
        if round_number == rounds - 1:
            return
        r = registry.session.delete(registry.url(f"/v2/{repository}/manifests/{digest}"), timeout=60)
        assert r.status_code == 202, r.text
        for layer in set(layer_digests(body)):
            r = registry.session.delete(registry.url(f"/v2/{repository}/blobs/{layer}"), timeout=60)
            assert r.status_code in (202, 404), r.text


def layer_digests(body):
    manifest = json.loads(body)
    return [manifest["config"]["digest"]] + [layer["digest"] for layer in manifest["layers"]]


def missing_parts(registry, repository, body):
    missing = []
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    r = registry.get(f"/v2/{repository}/manifests/{digest}", headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
    if r.status_code != 200 or r.content != body:
        missing.append(("manifest", digest, r.status_code))
    for layer in layer_digests(body):
        r = registry.get(f"/v2/{repository}/blobs/{layer}")
        if r.status_code != 200 or "sha256:" + hashlib.sha256(r.content).hexdigest() != layer:
            missing.append(("blob", layer, r.status_code))
    return missing


def test_collection_never_loses_an_acknowledged_push():
    # Unknown KURA_* variables are ignored, so the same test runs against a build without collection settings.
    server = KuraServer(env={"KURA_REGISTRY_BLOB_COLLECTION_GRACE": "1ms"}).start()
    try:
        registry_clients = [Registry(server) for _ in range(4)]
        failures = []
        threads = [threading.Thread(target=worker, args=(client, n, 50, failures)) for n, client in enumerate(registry_clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        assert not any(t.is_alive() for t in threads)
        assert not failures, "\n".join(failures[:20])
        # Each client's last image is still whole.
        for number, client in enumerate(registry_clients):
            body = client.get(f"/v2/gc/worker{number}/manifests/latest", headers={"Accept": "application/vnd.oci.image.manifest.v1+json"}).content
            assert not missing_parts(client, f"gc/worker{number}", body)
    finally:
        server.cleanup()
