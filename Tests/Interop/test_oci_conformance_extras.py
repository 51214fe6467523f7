"""What the OCI distribution-spec conformance suite checks at its development settings (issue 13,
point 17): `tag` query parameters on a manifest push, each echoed in `OCI-Tag`; 404
MANIFEST_UNKNOWN for a manifest reference that is neither a tag nor a digest; and sparse manifests
(blobs or child manifests not pushed), refused by default and accepted behind
`registry.allowSparseManifests`."""
import hashlib
import json
import os

import requests

from kura_server import KuraServer
from registry_client import Registry

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def image(registry, repository, layers, missing=()):
    """An image manifest's bytes: its config and `layers` pushed, the `missing` layers not."""
    config = json.dumps({"os": "linux", "architecture": "amd64"}).encode()
    manifest = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": registry.push_blob(repository, config),
                   "size": len(config)},
        "layers": [{"mediaType": LAYER, "digest": registry.push_blob(repository, layer), "size": len(layer)} for layer in layers]
        + [{"mediaType": LAYER, "digest": digest_of(layer), "size": len(layer)} for layer in missing],
    }
    return json.dumps(manifest, sort_keys=True).encode()


def index(children):
    """An index's bytes over (digest, size, architecture) children."""
    manifests = [{"mediaType": OCI_MANIFEST, "digest": digest, "size": size, "platform": {"os": "linux", "architecture": arch}}
                 for digest, size, arch in children]
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}, sort_keys=True).encode()


def put(registry, repository, reference, body, media_type=OCI_MANIFEST, query=""):
    return registry.session.put(registry.url(f"/v2/{repository}/manifests/{reference}{query}"), data=body,
                                headers={"Content-Type": media_type}, timeout=60)


def error_code(response):
    return response.json()["errors"][0]["code"]


def oci_tags(response):
    """The tags a response names in `OCI-Tag`, whether as repeated fields or comma-separated in one."""
    fields = response.raw.headers.getlist("OCI-Tag")
    return [tag.strip() for field in fields for tag in field.split(",") if tag.strip()]


def unique():
    return os.urandom(16)


def test_a_push_by_digest_applies_every_tag_query_parameter(kura):
    registry, repository = Registry(kura), "conformance/tags"
    body = image(registry, repository, [b"tagged layer " + unique()])
    digest = digest_of(body)

    pushed = put(registry, repository, digest, body, query="?tag=a&tag=b")
    assert pushed.status_code == 201, pushed.text
    assert pushed.headers["Docker-Content-Digest"] == digest
    assert pushed.headers["Location"] == f"/v2/{repository}/manifests/{digest}"
    assert oci_tags(pushed) == ["a", "b"]
    assert len(pushed.raw.headers.getlist("OCI-Tag")) == 2, "one OCI-Tag field per tag"
    for tag in ("a", "b"):
        pulled = registry.get(f"/v2/{repository}/manifests/{tag}")
        assert pulled.status_code == 200, pulled.text
        assert pulled.content == body
        assert pulled.headers["Docker-Content-Digest"] == digest
    assert {"a", "b"} <= set(registry.get(f"/v2/{repository}/tags/list").json()["tags"])

    # A repeated tag is applied and echoed once; a push without tag parameters echoes none.
    again = put(registry, repository, digest, body, query="?tag=b&tag=c&tag=b")
    assert again.status_code == 201, again.text
    assert oci_tags(again) == ["b", "c"]
    assert registry.get(f"/v2/{repository}/manifests/c").content == body
    plain = put(registry, repository, digest, body)
    assert plain.status_code == 201, plain.text
    assert "OCI-Tag" not in plain.headers

    # The spec asks for at least 10 tags in one push; they move tags that pointed elsewhere.
    other = image(registry, repository, [b"other layer " + unique()])
    many = [f"v{i}" for i in range(10)] + ["a"]
    moved = put(registry, repository, digest_of(other), other, query="?" + "&".join(f"tag={tag}" for tag in many))
    assert moved.status_code == 201, moved.text
    assert oci_tags(moved) == many
    for tag in many:
        assert registry.get(f"/v2/{repository}/manifests/{tag}").headers["Docker-Content-Digest"] == digest_of(other)
    assert registry.get(f"/v2/{repository}/manifests/b").headers["Docker-Content-Digest"] == digest


def test_a_push_with_a_bad_tag_parameter_stores_nothing(kura):
    registry, repository = Registry(kura), "conformance/badtags"
    body = image(registry, repository, [b"refused layer " + unique()])
    digest = digest_of(body)

    refused = put(registry, repository, digest, body, query="?tag=fine&tag=-not-a-tag")
    assert refused.status_code == 400, refused.text
    assert error_code(refused) == "MANIFEST_INVALID"
    too_long = put(registry, repository, digest, body, query="?tag=" + "x" * 129)
    assert too_long.status_code == 400, too_long.text
    too_many = put(registry, repository, digest, body, query="?" + "&".join(f"tag=t{i}" for i in range(101)))
    assert too_many.status_code == 414, too_many.text
    assert registry.get(f"/v2/{repository}/manifests/fine").status_code == 404
    assert registry.get(f"/v2/{repository}/manifests/{digest}").status_code == 404, "nothing was committed"


def test_a_reference_that_is_no_tag_or_digest_names_no_manifest(kura):
    registry, repository = Registry(kura), "conformance/refs"
    body = image(registry, repository, [b"reference layer " + unique()])
    assert put(registry, repository, "v1", body).status_code == 201

    for reference in ["-bad", ".hidden", "x" * 129, "sha256:zz", "sha256:" + "A" * 64, "no:such:digest"]:
        for method in ("GET", "DELETE"):
            answer = registry.session.request(method, registry.url(f"/v2/{repository}/manifests/{reference}"), timeout=60)
            assert answer.status_code == 404, (method, reference, answer.status_code, answer.text)
            assert error_code(answer) == "MANIFEST_UNKNOWN", (method, reference, answer.text)
        head = registry.session.head(registry.url(f"/v2/{repository}/manifests/{reference}"), timeout=60)
        assert head.status_code == 404, (reference, head.status_code)

    # Pushing to such a reference is still a client error...
    bad_tag = put(registry, repository, "-bad", body)
    assert bad_tag.status_code == 400 and error_code(bad_tag) == "MANIFEST_INVALID", bad_tag.text
    bad_digest = put(registry, repository, "sha256:baddigeststring", body)
    assert bad_digest.status_code == 400 and error_code(bad_digest) == "DIGEST_INVALID", bad_digest.text
    # ...and a caller without credentials is challenged before learning anything.
    stranger = requests.Session()
    stranger.trust_env = False  # REQUESTS_CA_BUNDLE would override `verify` (requests #3829)
    anonymous = stranger.get(registry.url(f"/v2/{repository}/manifests/-bad"), verify=kura.ca_file, timeout=60)
    assert anonymous.status_code == 401, anonymous.text
    assert registry.get(f"/v2/{repository}/manifests/v1").content == body, "the valid tag is untouched"


def test_sparse_manifests_are_refused_by_default(kura):
    registry, repository = Registry(kura), "conformance/dense"
    missing_layer = b"never pushed " + unique()
    sparse = image(registry, repository, [b"pushed layer " + unique()], missing=[missing_layer])
    refused = put(registry, repository, "sparse-image", sparse)
    assert refused.status_code == 400, refused.text
    assert error_code(refused) == "MANIFEST_BLOB_UNKNOWN"

    child = image(registry, repository, [b"child layer " + unique()])
    assert put(registry, repository, digest_of(child), child).status_code == 201
    missing_child = digest_of(unique())
    refused_index = put(registry, repository, "sparse-index", index([(digest_of(child), len(child), "amd64"), (missing_child, 1024, "arm64")]),
                        media_type=OCI_INDEX)
    assert refused_index.status_code == 400, refused_index.text
    assert error_code(refused_index) == "MANIFEST_BLOB_UNKNOWN"


def test_sparse_manifests_are_accepted_when_the_registry_allows_them():
    server = KuraServer(extra_args=["--set", "registry.allowSparseManifests=true"])
    try:
        server.start()
        registry, repository = Registry(server), "conformance/sparse"
        missing_layer = b"never pushed " + unique()
        sparse = image(registry, repository, [b"pushed layer " + unique()], missing=[missing_layer])
        pushed = put(registry, repository, digest_of(sparse), sparse, query="?tag=sparse-image")
        assert pushed.status_code == 201, pushed.text
        assert oci_tags(pushed) == ["sparse-image"]
        pulled = registry.get(f"/v2/{repository}/manifests/sparse-image")
        assert pulled.status_code == 200 and pulled.content == sparse, pulled.text
        absent = registry.get(f"/v2/{repository}/blobs/{digest_of(missing_layer)}")
        assert absent.status_code == 404 and error_code(absent) == "BLOB_UNKNOWN", "what is missing stays unreadable"
        registry.push_blob(repository, missing_layer)
        assert registry.get(f"/v2/{repository}/blobs/{digest_of(missing_layer)}").content == missing_layer

        child = image(registry, repository, [b"child layer " + unique()])
        assert put(registry, repository, digest_of(child), child).status_code == 201
        missing_child = digest_of(unique())
        sparse_index = index([(digest_of(child), len(child), "amd64"), (missing_child, 1024, "arm64")])
        indexed = put(registry, repository, "sparse-index", sparse_index, media_type=OCI_INDEX)
        assert indexed.status_code == 201, indexed.text
        assert registry.get(f"/v2/{repository}/manifests/sparse-index").content == sparse_index
        unknown = registry.get(f"/v2/{repository}/manifests/{missing_child}")
        assert unknown.status_code == 404 and error_code(unknown) == "MANIFEST_UNKNOWN"

        deleted = registry.session.delete(registry.url(f"/v2/{repository}/manifests/{digest_of(sparse_index)}"), timeout=60)
        assert deleted.status_code == 202, deleted.text
        assert registry.get(f"/v2/{repository}/manifests/sparse-index").status_code == 404
    finally:
        server.cleanup()
