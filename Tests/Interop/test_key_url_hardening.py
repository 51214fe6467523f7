"""Issue 13, point 1: a key URL can neither steal an identity's token nor probe the network.

A principal that is Contributor on its own resource group only tries what the probe did: attach
another team's user-assigned identity to a registry of its own, and name a key on a host it
controls. kura must refuse both, and must never connect to that host: the test runs the host's
listener itself and counts the connections it accepts.
"""
import socket
import threading
import uuid

import requests
from azure.identity import ClientSecretCredential

from kura_server import free_port
from test_login import installation
from test_registry_aad import create_principal, management_token

API = "?api-version=2023-07-01"


class CountingListener:
    """A TCP listener on 127.0.0.1 that accepts and counts connections (and closes them)."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.accepted = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.accepted += 1
            connection.close()

    def close(self):
        self.stopping.set()
        self.thread.join(timeout=5)
        self.socket.close()


def session():
    s = requests.Session()
    s.trust_env = False
    return s


def principal_token(server, principal):
    credential = ClientSecretCredential(principal["tenant"], principal["appId"], principal["password"],
                                        authority=f"https://localhost:{server.port}", disable_instance_discovery=True,
                                        connection_verify=server.ca_file)
    return credential.get_token("https://management.localhost//.default").token


def arm(server, method, path, token, body=None):
    return session().request(method, f"https://localhost:{server.port}{path}", json=body,
                             headers={"Authorization": "Bearer " + token}, verify=server.ca_file)


def registry_body(identity_id, client_id, key_url):
    return {"location": "eastus", "sku": {"name": "Premium"},
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity_id: {}}},
            "properties": {"encryption": {"status": "enabled",
                                          "keyVaultProperties": {"keyIdentifier": key_url, "identity": client_id}}}}


def test_a_key_url_steals_no_token_and_reaches_no_host(kura):
    subscription = installation(kura)["subscriptionId"]
    admin_token = management_token(kura)
    suffix = uuid.uuid4().hex[:6]
    attacker_group, victim_group = f"/subscriptions/{subscription}/resourceGroups/attacker{suffix}", \
        f"/subscriptions/{subscription}/resourceGroups/victim{suffix}"
    for group in (attacker_group, victim_group):
        assert arm(kura, "PUT", group + "?api-version=2024-11-01", admin_token, {"location": "eastus"}).status_code in (200, 201)
    victim = arm(kura, "PUT", victim_group + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/victimid?api-version=2024-11-30",
                 admin_token, {"location": "eastus"})
    assert victim.status_code in (200, 201), victim.text
    victim = victim.json()

    attacker = create_principal(kura, "attacker" + suffix)
    contributor = "b24988ac-6180-42a0-ab88-20f7382dd24c"
    assignment = arm(kura, "PUT", attacker_group + f"/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}?api-version=2022-04-01",
                     admin_token, {"properties": {"roleDefinitionId": f"/subscriptions/{subscription}/providers/Microsoft.Authorization/roleDefinitions/{contributor}",
                                                  "principalId": attacker["objectId"], "principalType": "ServicePrincipal"}})
    assert assignment.status_code in (200, 201), assignment.text
    token = principal_token(kura, attacker)
    own = arm(kura, "PUT", attacker_group + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ownid?api-version=2024-11-30",
              token, {"location": "eastus"})
    assert own.status_code in (200, 201), own.text
    own = own.json()

    listener = CountingListener()
    closed_port = free_port()
    try:
        registry = attacker_group + f"/providers/Microsoft.ContainerRegistry/registries/steal{suffix}" + API
        # (a) Another team's identity: the caller has no assign/action on it.
        stolen = arm(kura, "PUT", registry, token,
                     registry_body(victim["id"], victim["properties"]["clientId"], f"https://evil.localhost:{listener.port}/keys/k/v1"))
        assert stolen.status_code == 403, stolen.text
        assert stolen.json()["error"]["code"] == "LinkedAuthorizationFailed"
        assert "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action" in stolen.json()["error"]["message"]

        # (c) Its own identity, but a key on a host that is not this installation's and not allowed:
        # refused before any connection, in the same words for a listening port and a closed one.
        messages = set()
        for key_url in (f"https://evil.localhost:{listener.port}/keys/k/v1", f"https://127.0.0.1:{listener.port}/keys/k/v1",
                        f"https://evil.localhost:{closed_port}/keys/k/v1", "https://kv.vault.azure.net/keys/k/v1"):
            refused = arm(kura, "PUT", registry, token, registry_body(own["id"], own["properties"]["clientId"], key_url))
            assert refused.status_code == 400, refused.text
            assert refused.json()["error"]["code"] == "KeyVaultHostNotAllowed"
            messages.add(refused.json()["error"]["message"])
        assert len(messages) == 1, messages
        assert arm(kura, "GET", registry, token).status_code == 404, "a refused create leaves no registry"
        # The attacker's own identity in its own group is allowed (Contributor there): with a key of
        # this installation the request gets past the identity check to the vault rules.
        local = arm(kura, "PUT", registry, token,
                    registry_body(own["id"], own["properties"]["clientId"], f"https://nosuchvault.vault.localhost:{kura.port}/keys/k/v1"))
        assert local.status_code == 400 and local.json()["error"]["code"] == "KeyVaultNotFound", local.text
    finally:
        listener.close()
    assert listener.accepted == 0, f"kura connected {listener.accepted} times to a host named by a key URL"


def test_an_operator_allowed_vault_host_is_the_only_remote_one(fresh_kura):
    """`keys.remoteVaultHosts` is parsed and shown by --print-config; bad entries stop the start."""
    import subprocess
    from kura_server import kura_binary
    shown = subprocess.run([kura_binary(), "serve", "--data-dir", fresh_kura.data_dir, "--print-config",
                            "--set", "keys.remoteVaultHosts=*.vault.azure.net,kv.example.com:8443"],
                           capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "*.vault.azure.net,kv.example.com:8443" in shown.stdout
    for bad in ("*.com", "https://kv.example.com", "kv.example.com:0", "kv_example.com"):
        refused = subprocess.run([kura_binary(), "serve", "--data-dir", fresh_kura.data_dir, "--print-config",
                                  "--set", f"keys.remoteVaultHosts={bad}"], capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0 and "keys.remoteVaultHosts" in refused.stderr, (bad, refused.stderr)
