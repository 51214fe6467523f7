"""A small OCI Distribution client over `requests` (Basic auth), for tests that need to drive
the API directly (crash tests, chunked resume)."""
import hashlib
import json

import requests


class Registry:
    def __init__(self, server, password=None, name="default"):
        self.base = f"https://{server.registry_host(name)}"
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE would override `verify` (requests #3829)
        self.session.verify = server.ca_file
        self.session.auth = (name, password or server.registry_password)

    def url(self, path):
        return self.base + path

    def push_blob(self, repository, data, timeout=60):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        r = self.session.post(self.url(f"/v2/{repository}/blobs/uploads/?digest={digest}"), data=data, timeout=timeout)
        r.raise_for_status()
        assert r.status_code == 201, r.text
        return digest

    def push_manifest(self, repository, tag, layers, timeout=60):
        config = json.dumps({"os": "linux", "architecture": "amd64"}).encode()
        manifest = {
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": self.push_blob(repository, config), "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": self.push_blob(repository, l), "size": len(l)} for l in layers],
        }
        body = json.dumps(manifest, sort_keys=True).encode()
        r = self.session.put(self.url(f"/v2/{repository}/manifests/{tag}"), data=body,
                             headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}, timeout=timeout)
        assert r.status_code == 201, r.text
        return "sha256:" + hashlib.sha256(body).hexdigest(), body

    def get(self, path, **kwargs):
        return self.session.get(self.url(path), timeout=60, **kwargs)
