"""Writes OCI image layouts for interop tests: images with layers of chosen sizes, a
multi-platform index, and an artifact manifest whose `subject` is an image.

Layers are deterministic pseudo-random bytes (plus an optional marker), stored uncompressed
with a `tar`-like media type so skopeo's --preserve-digests copies them byte for byte.
"""
import hashlib
import io
import json
import tarfile
import os
import random

IMAGE_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
IMAGE_INDEX = "application/vnd.oci.image.index.v1+json"
IMAGE_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"


class Layout:
    def __init__(self, root):
        self.root = root
        os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(root, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        self.index = {"schemaVersion": 2, "mediaType": IMAGE_INDEX, "manifests": []}

    def blob(self, data, media_type):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.root, "blobs", "sha256", digest), "wb") as f:
            f.write(data)
        return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}

    def image(self, layer_sizes, seed=1, marker=b"", platform=("linux", "amd64"), tar=False):
        """An image manifest with one layer per size; returns (descriptor, manifest bytes).

        With `tar`, each layer is a real tar archive holding one file of that size (what
        runtimes such as podman unpack); otherwise layers are raw bytes."""
        rng = random.Random(seed)
        layers = []
        for index, size in enumerate(layer_sizes):
            body = (marker + rng.randbytes(max(0, size - len(marker))))[:size] if size else b""
            if tar:
                archive = io.BytesIO()
                with tarfile.open(fileobj=archive, mode="w", format=tarfile.PAX_FORMAT) as t:
                    info = tarfile.TarInfo(f"layer-{index}.bin")
                    info.size, info.mtime = len(body), 0
                    t.addfile(info, io.BytesIO(body))
                body = archive.getvalue()
            layers.append(self.blob(body, LAYER))
        config = json.dumps({"architecture": platform[1], "os": platform[0],
                             "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}},
                            sort_keys=True).encode()
        manifest = {"schemaVersion": 2, "mediaType": IMAGE_MANIFEST,
                    "config": self.blob(config, IMAGE_CONFIG), "layers": layers}
        data = json.dumps(manifest, sort_keys=True).encode()
        descriptor = self.blob(data, IMAGE_MANIFEST)
        descriptor["platform"] = {"os": platform[0], "architecture": platform[1]}
        return descriptor, data

    def multi_platform_index(self, platforms, layer_sizes, seed=10):
        manifests = []
        for offset, platform in enumerate(platforms):
            descriptor, _ = self.image(layer_sizes, seed=seed + offset, platform=platform)
            manifests.append(descriptor)
        data = json.dumps({"schemaVersion": 2, "mediaType": IMAGE_INDEX, "manifests": manifests}, sort_keys=True).encode()
        return self.blob(data, IMAGE_INDEX), data

    def artifact(self, subject, artifact_type="application/vnd.example.sbom.v1", payload=b"sbom"):
        """An OCI 1.1 artifact (image manifest with artifactType and the empty config) referring to `subject`."""
        empty = self.blob(b"{}", "application/vnd.oci.empty.v1+json")
        layer = self.blob(payload, "application/vnd.example.sbom.layer.v1")
        manifest = {"schemaVersion": 2, "mediaType": IMAGE_MANIFEST, "artifactType": artifact_type,
                    "config": empty, "layers": [layer],
                    "subject": {"mediaType": subject["mediaType"], "digest": subject["digest"], "size": subject["size"]},
                    "annotations": {"org.example.kind": "sbom"}}
        data = json.dumps(manifest, sort_keys=True).encode()
        return self.blob(data, IMAGE_MANIFEST), data

    def tag(self, descriptor, name):
        entry = dict(descriptor)
        entry.pop("platform", None)
        entry["annotations"] = {"org.opencontainers.image.ref.name": name}
        self.index["manifests"].append(entry)
        with open(os.path.join(self.root, "index.json"), "w") as f:
            json.dump(self.index, f)
