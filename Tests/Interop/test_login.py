"""The login plane with the real Azure clients: azure-identity (MSAL) and the az CLI."""
import base64
import json
import os
import subprocess

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential


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


def az(config_dir, server, *args):
    env = dict(os.environ, AZURE_CONFIG_DIR=config_dir, AZURE_CORE_COLLECT_TELEMETRY="false",
               AZURE_CORE_INSTANCE_DISCOVERY="false", REQUESTS_CA_BUNDLE=server.ca_file)
    result = subprocess.run([os.environ.get("AZ", "az"), *args], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, f"az {' '.join(args)}: {result.stderr}"
    return result.stdout


def test_az_registers_the_cloud_logs_in_and_shows_the_subscription(kura, tmp_path):
    config_dir = str(tmp_path / "az")
    # Before anything else: no telemetry, no instance discovery (nothing leaves the machine).
    az(config_dir, kura, "config", "set", "core.instance_discovery=false", "core.collect_telemetry=false")
    az(config_dir, kura, "cloud", "register", "-n", "kura", "--endpoint-resource-manager", f"https://localhost:{kura.port}")
    az(config_dir, kura, "cloud", "set", "-n", "kura")
    creds = admin(kura)
    az(config_dir, kura, "login", "--service-principal", "-u", creds["appId"], "-p", creds["password"], "--tenant", creds["tenant"])
    account = json.loads(az(config_dir, kura, "account", "show", "-o", "json"))
    assert account["id"] == installation(kura)["subscriptionId"]
    assert account["tenantId"] == creds["tenant"]
    assert account["user"]["name"] == creds["appId"]
