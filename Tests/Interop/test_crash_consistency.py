"""Issue 13, point 10: kill -9 between an ARM operation's record and its plane leaves nothing half done.

A debug build crashes on cue (`KURA_CRASH_AT=<point>@<resource>`, SIGKILL at that point): after
`management.intent-stored` the ARM record says what was asked, the plane has not acted; after
`management.plane-done` the plane has acted, the ARM record does not say so yet. After a restart,
a create is rolled back whole (name free, nothing served) and a key rotation is in force on both
sides (ARM shows the new key and the data key is wrapped by it: the old version can be disabled)."""
import base64
import hashlib
import uuid

import pytest
import requests

from kura_server import KuraServer
from test_login import admin, installation

POINTS = ["management.intent-stored", "management.plane-done"]


def session():
    s = requests.Session()
    s.trust_env = False
    return s


def token(server, scope):
    creds = admin(server)
    r = session().post(f"https://localhost:{server.port}/{creds['tenant']}/oauth2/v2.0/token",
                       data={"grant_type": "client_credentials", "client_id": creds["appId"], "client_secret": creds["password"],
                             "scope": scope}, verify=server.ca_file)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def arm(server, method, path, body=None):
    headers = {"Authorization": "Bearer " + token(server, "https://management.localhost//.default")}
    return session().request(method, f"https://localhost:{server.port}{path}", json=body, headers=headers,
                             verify=server.ca_file, timeout=60)


def vault(server, method, name, path, body=None):
    headers = {"Authorization": "Bearer " + token(server, f"https://vault.localhost:{server.port}/.default")}
    return session().request(method, f"https://{name}.vault.localhost:{server.port}{path}?api-version=7.6", json=body,
                             headers=headers, verify=server.ca_file, timeout=60)


def crash_then_restart(server, point, subject, request):
    """Restarts `server` set to die at `point` for `subject`, sends `request`, then starts it normally."""
    server.stop()
    server.env = {"KURA_CRASH_AT": f"{point}@{subject}"}
    server.start()
    with pytest.raises(requests.ConnectionError):
        request()
    assert server.process.wait(timeout=30) == -9, "the server died at the crash point"
    server.env = {}
    server.start()


@pytest.mark.parametrize("point", POINTS)
def test_an_interrupted_registry_create_is_rolled_back_whole(point):
    server = KuraServer().start()
    try:
        group = f"/subscriptions/{installation(server)['subscriptionId']}/resourceGroups/crashrg"
        assert arm(server, "PUT", group + "?api-version=2024-11-01", {"location": "eastus"}).status_code in (200, 201)
        name = "crash" + uuid.uuid4().hex[:8]
        url = group + f"/providers/Microsoft.ContainerRegistry/registries/{name}?api-version=2023-07-01"
        body = {"location": "eastus", "sku": {"name": "Premium"}, "properties": {"adminUserEnabled": True}}
        crash_then_restart(server, point, name, lambda: arm(server, "PUT", url, body))

        assert arm(server, "GET", url).status_code == 404, "an interrupted create is rolled back"
        served = session().get(f"https://{name}.cr.localhost:{server.port}/v2/", verify=server.ca_file)
        assert served.status_code == 404 and served.json()["errors"][0]["code"] == "NAME_UNKNOWN", served.text
        again = arm(server, "PUT", url, body)
        assert again.status_code == 201, f"the name is free again: {again.text}"
        credentials = arm(server, "POST", url.replace("?", "/listCredentials?"))
        assert credentials.status_code == 200, credentials.text
    finally:
        server.cleanup()


@pytest.mark.parametrize("point", POINTS)
def test_an_interrupted_key_rotation_is_in_force_on_both_sides_after_a_restart(point):
    server = KuraServer().start()
    try:
        creds = admin(server)
        group = f"/subscriptions/{installation(server)['subscriptionId']}/resourceGroups/rotaterg"
        assert arm(server, "PUT", group + "?api-version=2024-11-01", {"location": "eastus"}).status_code in (200, 201)
        identity = arm(server, "PUT", group + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/rotid?api-version=2024-11-30",
                       {"location": "eastus"}).json()
        policies = [{"tenantId": creds["tenant"], "objectId": creds["objectId"], "permissions": {"keys": ["all"]}},
                    {"tenantId": creds["tenant"], "objectId": identity["properties"]["principalId"],
                     "permissions": {"keys": ["get", "wrapKey", "unwrapKey"]}}]
        made = arm(server, "PUT", group + "/providers/Microsoft.KeyVault/vaults/rotvault1?api-version=2026-02-01",
                   {"location": "eastus", "properties": {"tenantId": creds["tenant"], "sku": {"family": "A", "name": "standard"},
                                                         "enablePurgeProtection": True, "accessPolicies": policies}})
        assert made.status_code in (200, 201), made.text
        first = vault(server, "POST", "rotvault1", "/keys/rotkey/create", {"kty": "RSA"}).json()["key"]["kid"]
        second = vault(server, "POST", "rotvault1", "/keys/rotkey/create", {"kty": "RSA"}).json()["key"]["kid"]
        name = "rotate" + uuid.uuid4().hex[:8]
        url = group + f"/providers/Microsoft.ContainerRegistry/registries/{name}?api-version=2023-07-01"
        created = arm(server, "PUT", url, {
            "location": "eastus", "sku": {"name": "Premium"},
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity["id"]: {}}},
            "properties": {"adminUserEnabled": True, "encryption": {"status": "enabled", "keyVaultProperties": {
                "keyIdentifier": first, "identity": identity["properties"]["clientId"]}}}})
        assert created.status_code == 201, created.text
        login = arm(server, "POST", url.replace("?", "/listCredentials?")).json()
        auth = (login["username"], login["passwords"][0]["value"])
        data = b"encrypted under the customer's key " + uuid.uuid4().bytes
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        registry = f"https://{name}.cr.localhost:{server.port}"
        pushed = session().post(f"{registry}/v2/rot/repo/blobs/uploads/?digest={digest}", data=data, auth=auth, verify=server.ca_file)
        assert pushed.status_code == 201, pushed.text

        rotation = {"properties": {"encryption": {"keyVaultProperties": {"keyIdentifier": second}}}}
        crash_then_restart(server, point, name, lambda: arm(server, "PATCH", url, rotation))

        shown = arm(server, "GET", url).json()
        assert shown["properties"]["provisioningState"] == "Succeeded", shown
        assert shown["properties"]["encryption"]["keyVaultProperties"]["keyIdentifier"] == second
        # Disabling the old version is safe after a rotation: the data key must now be wrapped by the new one.
        version = first.rsplit("/", 1)[1]
        disabled = vault(server, "PATCH", "rotvault1", f"/keys/rotkey/{version}", {"attributes": {"enabled": False}})
        assert disabled.status_code == 200, disabled.text
        restarted = server.stop() == 0 and server.start()  # a restart validates the key afresh
        assert restarted
        pulled = session().get(f"{registry}/v2/rot/repo/blobs/{digest}", auth=auth, verify=server.ca_file)
        assert pulled.status_code == 200 and pulled.content == data, pulled.text
    finally:
        server.cleanup()


def test_an_interrupted_vault_create_leaves_no_vault_and_no_deleted_vault():
    server = KuraServer().start()
    try:
        creds = admin(server)
        subscription = installation(server)["subscriptionId"]
        group = f"/subscriptions/{subscription}/resourceGroups/crashvaults"
        assert arm(server, "PUT", group + "?api-version=2024-11-01", {"location": "eastus"}).status_code in (200, 201)
        name = "crashkv" + uuid.uuid4().hex[:6]
        url = group + f"/providers/Microsoft.KeyVault/vaults/{name}?api-version=2026-02-01"
        body = {"location": "eastus", "properties": {"tenantId": creds["tenant"], "sku": {"family": "A", "name": "standard"},
                                                     "enablePurgeProtection": True, "accessPolicies": []}}
        crash_then_restart(server, "management.intent-stored", name, lambda: arm(server, "PUT", url, body))

        assert arm(server, "GET", url).status_code == 404, "an interrupted create is rolled back"
        deleted = arm(server, "GET", f"/subscriptions/{subscription}/providers/Microsoft.KeyVault/deletedVaults?api-version=2026-02-01")
        assert deleted.status_code == 200 and all(v["name"] != name for v in deleted.json()["value"]), \
            "a vault that was never created is not soft-deleted (its name would be blocked for the retention period)"
        again = arm(server, "PUT", url, body)
        assert again.status_code in (200, 201) and again.json()["properties"]["provisioningState"] == "Succeeded", again.text
    finally:
        server.cleanup()
