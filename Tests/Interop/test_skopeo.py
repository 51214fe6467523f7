"""skopeo (Debian) copies OCI layouts into kura and back, byte for byte."""
import filecmp
import json
import os
import subprocess

from oci_layout import Layout
from registry_client import Registry


def skopeo(*args):
    result = subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_images_indexes_and_artifacts_round_trip_byte_identical(kura, tmp_path):
    source = Layout(str(tmp_path / "source"))
    image, _ = source.image([1000, 3 << 20, 0, 70 * 1024], seed=1)
    source.tag(image, "v1")
    index, _ = source.multi_platform_index([("linux", "amd64"), ("linux", "arm64"), ("linux", "s390x")], [2048, 4096])
    source.tag(index, "multi")
    artifact, _ = source.artifact(image)
    source.tag(artifact, "sbom")

    creds = f"default:{kura.registry_password}"
    target = f"docker://{kura.registry_host()}/interop/skopeo"
    for tag in ("v1", "multi", "sbom"):
        skopeo("copy", "--all", "--preserve-digests", "--dest-cert-dir", kura.cert_dir, "--dest-creds", creds,
               f"oci:{source.root}:{tag}", f"{target}:{tag}")
    back = str(tmp_path / "back")
    for tag in ("v1", "multi", "sbom"):
        skopeo("copy", "--all", "--preserve-digests", "--src-cert-dir", kura.cert_dir, "--src-creds", creds,
               f"{target}:{tag}", f"oci:{back}:{tag}")

    sent = sorted(os.listdir(os.path.join(source.root, "blobs", "sha256")))
    received = sorted(os.listdir(os.path.join(back, "blobs", "sha256")))
    assert sent == received
    for name in sent:
        assert filecmp.cmp(os.path.join(source.root, "blobs", "sha256", name), os.path.join(back, "blobs", "sha256", name), shallow=False)

    raw = skopeo("inspect", "--raw", "--cert-dir", kura.cert_dir, "--creds", creds, f"{target}:multi")
    assert json.loads(raw)["mediaType"] == "application/vnd.oci.image.index.v1+json"

    referrers = Registry(kura).get(f"/v2/interop/skopeo/referrers/{image['digest']}")
    assert referrers.status_code == 200
    assert [m["digest"] for m in referrers.json()["manifests"]] == [artifact["digest"]]
    assert referrers.json()["manifests"][0]["artifactType"] == "application/vnd.example.sbom.v1"


def test_layer_bytes_are_ciphertext_on_disk(kura, tmp_path):
    marker = b"KURA-INTEROP-MARKER-5d41402abc4b2a76"
    source = Layout(str(tmp_path / "marked"))
    image, _ = source.image([len(marker) * 2000, 5000], seed=7, marker=marker * 2000)
    source.tag(image, "marked")
    skopeo("copy", "--preserve-digests", "--dest-cert-dir", kura.cert_dir, "--dest-creds", f"default:{kura.registry_password}",
           f"oci:{source.root}:marked", f"docker://{kura.registry_host()}/interop/marked:v1")
    hits = []
    for directory, _, files in os.walk(kura.data_dir):
        for name in files:
            with open(os.path.join(directory, name), "rb") as f:
                if marker in f.read():
                    hits.append(os.path.join(directory, name))
    assert hits == []
