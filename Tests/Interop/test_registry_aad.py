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
