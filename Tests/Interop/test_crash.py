"""kill -9 during concurrent pushes: what was acknowledged survives intact, nothing partial is served."""
import hashlib
import os
import random
import threading
import time

import requests

from kura_server import KuraServer
from registry_client import Registry


def push_loop(registry, worker, acknowledged, attempted, stop, failures):
    rng = random.Random(worker)
    number = 0
    while not stop.is_set():
        number += 1
        layers = [os.urandom(rng.choice([1024, 64 * 1024, 2 << 20])) for _ in range(2)]
        for layer in layers:
            attempted.append(("blob", "sha256:" + hashlib.sha256(layer).hexdigest(), layer))
        try:
            digest, body = registry.push_manifest(f"crash/w{worker}", f"t{number}", layers, timeout=30)
            acknowledged.append((f"crash/w{worker}", f"t{number}", digest, body, layers))
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            return  # the kill: the connection went away mid-request or was refused
        except (requests.RequestException, AssertionError) as error:
            # An HTTP error answer (a 500 under load, say) is a failure, not the kill.
            failures.append(f"worker {worker} push {number}: {error}")
            return


def test_acknowledged_pushes_survive_kill_9(tmp_path):
    for round_number in range(5):
        server = KuraServer().start()
        try:
            registry = Registry(server)
            acknowledged, attempted, stop, failures = [], [], threading.Event(), []
            threads = [threading.Thread(target=push_loop, args=(registry, w, acknowledged, attempted, stop, failures)) for w in range(8)]
            for t in threads:
                t.start()
            time.sleep(1.0 + random.random() * 2)
            server.kill()
            stop.set()
            for t in threads:
                t.join(timeout=60)

            server.start()
            registry = Registry(server)
            assert not failures, f"round {round_number}: requests failed before the kill: {failures}"
            assert acknowledged, f"round {round_number}: some pushes were acknowledged before the kill"
            for repository, tag, digest, body, layers in list(acknowledged):
                r = registry.get(f"/v2/{repository}/manifests/{tag}",
                                 headers={"Accept": "application/vnd.oci.image.manifest.v1+json"})
                assert r.status_code == 200, (round_number, repository, tag, r.text)
                assert r.content == body
                assert r.headers["Docker-Content-Digest"] == digest
                for layer in layers:
                    layer_digest = "sha256:" + hashlib.sha256(layer).hexdigest()
                    blob = registry.get(f"/v2/{repository}/blobs/{layer_digest}")
                    assert blob.status_code == 200
                    assert blob.content == layer
            # Whatever was only attempted is either absent or whole.
            for _, digest, data in list(attempted):
                for worker in range(8):
                    blob = registry.get(f"/v2/crash/w{worker}/blobs/{digest}")
                    if blob.status_code == 200:
                        assert hashlib.sha256(blob.content).hexdigest() == digest.split(":")[1]
                    else:
                        assert blob.status_code == 404
        finally:
            server.cleanup()


def test_chunked_upload_resumes_after_restart(fresh_kura):
    registry = Registry(fresh_kura)
    data = os.urandom(300_000)
    start = registry.session.post(registry.url("/v2/resume/blob/blobs/uploads/"))
    assert start.status_code == 202
    location = start.headers["Location"]
    first = registry.session.patch(registry.url(location), data=data[:100_000],
                                   headers={"Content-Range": "0-99999", "Content-Type": "application/octet-stream"})
    assert first.status_code == 202 and first.headers["Range"] == "0-99999"

    assert fresh_kura.stop() == 0
    fresh_kura.start()
    registry = Registry(fresh_kura)

    status = registry.session.get(registry.url(location))
    assert status.status_code == 204 and status.headers["Range"] == "0-99999"
    second = registry.session.patch(registry.url(location), data=data[100_000:],
                                    headers={"Content-Range": f"100000-{len(data) - 1}", "Content-Type": "application/octet-stream"})
    assert second.status_code == 202
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    done = registry.session.put(registry.url(location + f"?digest={digest}"))
    assert done.status_code == 201
    assert registry.get(f"/v2/resume/blob/blobs/{digest}").content == data
