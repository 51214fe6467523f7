"""The login plane with the real Azure clients: azure-identity (MSAL) and the az CLI."""
import base64
import json
import os

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential

from az_cli import Az


def admin(server):
    with open(os.path.join(server.data_dir, "admin-credentials.json")) as f:
        return json.load(f)


def installation(server):
    with open(os.path.join(server.data_dir, "installation.json")) as f:
        return json.load(f)


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def credential(server, secret=None):
    creds = admin(server)
    return ClientSecretCredential(creds["tenant"], creds["appId"], secret or creds["password"],
                                  authority=f"https://localhost:{server.port}", disable_instance_discovery=True,
                                  connection_verify=server.ca_file)


def test_azure_identity_gets_tokens_for_every_audience(kura):
    cred = credential(kura)
    tenant = admin(kura)["tenant"]
    for scope, audience in (("https://management.localhost//.default", "https://management.localhost/"),
                            (f"https://vault.localhost:{kura.port}/.default", f"https://vault.localhost:{kura.port}"),
                            ("https://containerregistry.azure.net/.default", "https://containerregistry.azure.net")):
        token = cred.get_token(scope)
        assert token.expires_on > 0
        got = claims(token.token)
        assert got["aud"] == audience
        assert got["tid"] == tenant
        assert got["appid"] == admin(kura)["appId"]


def test_a_wrong_secret_is_a_client_authentication_error(kura):
    with pytest.raises(ClientAuthenticationError) as raised:
        credential(kura, secret="not-the-secret").get_token("https://management.localhost//.default")
    assert "AADSTS7000215" in str(raised.value)


def test_az_registers_the_cloud_logs_in_and_shows_the_subscription(kura, tmp_path):
    creds = admin(kura)
    az = Az(str(tmp_path / "az"), kura).login(creds["appId"], creds["password"], creds["tenant"])
    account = az.json("account", "show")
    assert account["id"] == installation(kura)["subscriptionId"]
    assert account["tenantId"] == creds["tenant"]
    assert account["user"]["name"] == creds["appId"]
