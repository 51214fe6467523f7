"""Registries with directory principals: the azure-containerregistry SDK (exchange → token flow)
and docker-style clients holding an ACR refresh token."""
import hashlib
import subprocess

import pytest
import requests
from azure.containerregistry import ContainerRegistryClient
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import ClientSecretCredential

from oci_layout import Layout
from registry_client import Registry
from test_login import admin, credential


def management_token(server):
    return credential(server).get_token("https://management.localhost//.default").token


def create_principal(server, name):
    session = requests.Session()
    session.trust_env = False
    r = session.post(f"https://localhost:{server.port}/directory/v1/servicePrincipals", json={"displayName": name},
                     headers={"Authorization": "Bearer " + management_token(server)}, verify=server.ca_file)
    assert r.status_code == 201, r.text
    return r.json()


def registry_client(server, cred):
    return ContainerRegistryClient(f"https://{server.registry_host()}", cred, audience="https://containerregistry.azure.net",
                                   connection_verify=server.ca_file)


def test_the_sdk_lists_repositories_through_the_exchange(kura):
    Registry(kura).push_blob("aad/listed", b"listed by the SDK")
    with registry_client(kura, credential(kura)) as client:
        names = list(client.list_repository_names())
    assert "aad/listed" in names


def test_a_principal_without_an_acr_role_is_refused(kura):
    stranger = create_principal(kura, "no-roles")
    cred = ClientSecretCredential(stranger["tenant"], stranger["appId"], stranger["password"],
                                  authority=f"https://localhost:{kura.port}", disable_instance_discovery=True,
                                  connection_verify=kura.ca_file)
    with registry_client(kura, cred) as client:
        with pytest.raises((ClientAuthenticationError, HttpResponseError)) as raised:
            list(client.list_repository_names())
    assert raised.value.status_code in (401, 403)


def test_a_refresh_token_works_as_docker_credentials(kura, tmp_path):
    aad = credential(kura).get_token("https://containerregistry.azure.net/.default").token
    session = requests.Session()
    session.trust_env = False
    exchanged = session.post(f"https://{kura.registry_host()}/oauth2/exchange",
                             data={"grant_type": "access_token", "service": kura.registry_host().split(":")[0], "access_token": aad},
                             verify=kura.ca_file)
    assert exchanged.status_code == 200, exchanged.text
    refresh = exchanged.json()["refresh_token"]
    assert "-" not in refresh.split(".")[1] and "_" not in refresh.split(".")[1]

    source = Layout(str(tmp_path / "src"))
    image, _ = source.image([1234, 5678], seed=99)
    source.tag(image, "v1")
    copied = subprocess.run(["skopeo", "copy", "--preserve-digests", "--dest-cert-dir", kura.cert_dir,
                             "--dest-creds", f"00000000-0000-0000-0000-000000000000:{refresh}",
                             f"oci:{source.root}:v1", f"docker://{kura.registry_host()}/aad/token:v1"],
                            capture_output=True, text=True, timeout=300)
    assert copied.returncode == 0, copied.stderr
    bad = session.post(f"https://{kura.registry_host()}/oauth2/exchange",
                       data={"grant_type": "access_token", "service": "x", "access_token": aad + "x"}, verify=kura.ca_file)
    assert bad.status_code == 401


def test_the_sdk_reads_manifest_metadata_and_deletes_a_repository(kura):
    """ACR's /acr/v1 metadata API through azure-containerregistry: repository properties, manifest
    properties (tags, sizes, paging, order by time) and delete_repository, whose layers go with it."""
    registry = Registry(kura)
    first_layer, second_layer = b"first image layer " * 100, b"second image layer " * 50
    first, first_body = registry.push_manifest("aad/meta", "v1", [first_layer])
    registry.session.put(registry.url("/v2/aad/meta/manifests/latest"), data=first_body,
                         headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}).raise_for_status()
    second, second_body = registry.push_manifest("aad/meta", "v2", [second_layer])
    registry.push_manifest("aad/other", "v1", [first_layer])

    with registry_client(kura, credential(kura)) as client:
        repository = client.get_repository_properties("aad/meta")
        assert (repository.name, repository.manifest_count, repository.tag_count) == ("aad/meta", 2, 3)
        manifests = {m.digest: m for m in client.list_manifest_properties("aad/meta", results_per_page=1)}
        assert set(manifests) == {first, second}, "paging by one follows every Link"
        assert sorted(manifests[first].tags) == ["latest", "v1"] and manifests[second].tags == ["v2"]
        config_size = len(b'{"architecture": "amd64", "os": "linux"}')
        assert manifests[first].size_in_bytes == len(first_body) + config_size + len(first_layer)
        assert (manifests[first].operating_system, manifests[first].architecture) == ("linux", "amd64")
        newest = [m.digest for m in client.list_manifest_properties("aad/meta", order_by="timedesc")]
        assert newest == [second, first]

        client.delete_repository("aad/meta")
        assert "aad/meta" not in list(client.list_repository_names())
        with pytest.raises(HttpResponseError) as missing:
            client.get_repository_properties("aad/meta")
        assert missing.value.status_code == 404
    layer_digest = "sha256:" + hashlib.sha256(second_layer).hexdigest()
    assert registry.get(f"/v2/aad/meta/blobs/{layer_digest}").status_code == 404
    assert registry.get("/v2/aad/other/manifests/v1").status_code == 200, "a repository sharing a layer keeps it"
