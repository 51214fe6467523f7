"""The management plane with the real az CLI and Azure SDKs: groups, identities, role assignments,
vaults and registries, the seed's rules as ARM errors, and authorization from role assignments."""
import glob
import os
import subprocess

import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.resource import ResourceManagementClient

from az_cli import Az
from oci_layout import Layout
from registry_client import Registry
from test_login import admin, claims, installation
from test_registry_aad import create_principal, registry_client


@pytest.fixture(scope="module")
def arm(kura, tmp_path_factory):
    creds = admin(kura)
    return Az(str(tmp_path_factory.mktemp("az")), kura).login(creds["appId"], creds["password"], creds["tenant"])


def principal_credential(server, principal):
    return ClientSecretCredential(principal["tenant"], principal["appId"], principal["password"],
                                  authority=f"https://localhost:{server.port}", disable_instance_discovery=True,
                                  connection_verify=server.ca_file)


def registry_access(server, credential, scope):
    """The `access` claim of a registry access token obtained through the exchange, as docker clients do."""
    return exchanged_access(server, credential.get_token("https://containerregistry.azure.net/.default").token, scope)


def exchanged_access(server, aad, scope):
    """The `access` claim of the registry access token an AAD token is exchanged for."""
    session = requests.Session()
    session.trust_env = False
    host = server.registry_host()
    refresh = session.post(f"https://{host}/oauth2/exchange", data={"grant_type": "access_token", "service": host.split(":")[0],
                                                                  "access_token": aad}, verify=server.ca_file)
    assert refresh.status_code == 200, refresh.text
    token = session.post(f"https://{host}/oauth2/token", data={"grant_type": "refresh_token", "service": host.split(":")[0],
                                                             "scope": scope, "refresh_token": refresh.json()["refresh_token"]},
                         verify=server.ca_file)
    assert token.status_code == 200, token.text
    return claims(token.json()["access_token"]).get("access")


def test_groups_and_identities_keep_their_names_and_ids(arm):
    group = arm.json("group", "create", "-n", "RgOne", "-l", "eastus")
    assert group["name"] == "RgOne" and group["properties"]["provisioningState"] == "Succeeded"
    assert arm.json("group", "show", "-n", "rgone")["name"] == "RgOne"
    identity = arm.json("identity", "create", "-g", "RgOne", "-n", "ident1")
    again = arm.json("identity", "create", "-g", "RgOne", "-n", "ident1")
    assert (again["principalId"], again["clientId"]) == (identity["principalId"], identity["clientId"])
    assert arm.ok("identity", "show", "-g", "RgOne", "-n", "ident1", "--query", "principalId", "-o", "tsv").strip() == identity["principalId"]
    code, stderr = arm.fails("identity", "show", "-g", "RgOne", "-n", "nosuchidentity")
    assert code == 3 and "(ResourceNotFound)" in stderr
    code, stderr = arm.fails("identity", "create", "-g", "NoSuchGroup", "-n", "ident2", "-l", "eastus")
    assert "ResourceGroupNotFound" in stderr


def test_an_acrpull_assignment_grants_pull_and_its_removal_takes_it_back(kura, arm):
    Registry(kura).push_blob("granted/repo", b"granted by a role assignment")
    puller = create_principal(kura, "puller")
    with registry_client(kura, principal_credential(kura, puller)) as client:
        with pytest.raises((ClientAuthenticationError, HttpResponseError)) as raised:
            list(client.list_repository_names())
        assert raised.value.status_code in (401, 403)
    registry_id = arm.ok("acr", "show", "-n", "default", "--query", "id", "-o", "tsv").strip()
    assignment = arm.json("role", "assignment", "create", "--assignee-object-id", puller["objectId"],
                          "--assignee-principal-type", "ServicePrincipal", "--role", "AcrPull", "--scope", registry_id)
    assert assignment["scope"] == registry_id and assignment["principalId"] == puller["objectId"]
    listed = arm.json("role", "assignment", "list", "--scope", registry_id)
    assert [a["roleDefinitionName"] for a in listed if a["principalId"] == puller["objectId"]] == ["AcrPull"]
    with registry_client(kura, principal_credential(kura, puller)) as client:
        assert "granted/repo" in list(client.list_repository_names())
    # AcrPull grants pull only: a token asked for pull and push carries pull.
    access = registry_access(kura, principal_credential(kura, puller), "repository:granted/repo:pull,push,delete")
    assert access == [{"type": "repository", "name": "granted/repo", "actions": ["pull", "metadata_read"]}]
    arm.ok("role", "assignment", "delete", "--assignee", puller["objectId"], "--role", "AcrPull", "--scope", registry_id)
    with registry_client(kura, principal_credential(kura, puller)) as client:
        with pytest.raises((ClientAuthenticationError, HttpResponseError)):
            list(client.list_repository_names())


def test_the_seeds_rules_are_arm_errors_through_az(kura, arm):
    arm.ok("group", "create", "-n", "CmkRg", "-l", "eastus", "-o", "none")
    identity = arm.json("identity", "create", "-g", "CmkRg", "-n", "cmkid")
    arm.ok("keyvault", "create", "-n", "kvprot1", "-g", "CmkRg", "--enable-purge-protection",
           "--enable-rbac-authorization", "false", "--no-self-perms", "-o", "none")
    arm.ok("keyvault", "create", "-n", "kvnoprot1", "-g", "CmkRg", "--enable-rbac-authorization", "false", "--no-self-perms", "-o", "none")
    for object_id, permissions in ((admin(kura)["objectId"], ["all"]), (identity["principalId"], ["get", "wrapKey", "unwrapKey"])):
        arm.ok("keyvault", "set-policy", "-g", "CmkRg", "-n", "kvprot1", "--object-id", object_id, "--key-permissions", *permissions, "-o", "none")
    key = arm.ok("keyvault", "key", "create", "--name", "regkey", "--vault-name", "kvprot1", "--query", "key.kid", "-o", "tsv").strip()

    code, stderr = arm.fails("acr", "create", "-g", "CmkRg", "-n", "cmkbasic1", "--sku", "Basic",
                             "--identity", identity["id"], "--key-encryption-key", key)
    assert "(CmkRequiresPremiumSku)" in stderr and "only available on the Premium SKU" in stderr
    code, stderr = arm.fails("acr", "create", "-g", "CmkRg", "-n", "cmknoprot1", "--sku", "Premium", "--identity", identity["id"],
                             "--key-encryption-key", key.replace("kvprot1", "kvnoprot1"))
    assert "(KeyVaultPurgeProtectionRequired)" in stderr and "purge protection" in stderr

    registry = arm.json("acr", "create", "-g", "CmkRg", "-n", "cmkprem1", "--sku", "Premium",
                        "--identity", identity["id"], "--key-encryption-key", key)
    assert registry["encryption"]["status"] == "enabled"
    assert registry["encryption"]["keyVaultProperties"]["identity"] == identity["clientId"]
    assert registry["loginServer"] == f"cmkprem1.cr.localhost:{kura.port}"

    code, stderr = arm.fails("acr", "update", "-n", "cmkprem1", "--set", "encryption.status=disabled")
    assert "(EncryptionCannotBeChanged)" in stderr and "cannot be disabled" in stderr
    arm.ok("acr", "create", "-g", "CmkRg", "-n", "plainprem1", "--sku", "Premium", "-o", "none")
    code, stderr = arm.fails("acr", "update", "-n", "plainprem1", "--set", "encryption.status=enabled")
    assert "(EncryptionCannotBeChanged)" in stderr and "only be enabled when the registry is created" in stderr
    # az 2.91 no longer sends trustPolicy from `acr update`/`content-trust update`; `az rest` sends the PATCH.
    code, stderr = arm.fails("rest", "--method", "patch", "--uri", registry["id"] + "?api-version=2019-12-01-preview",
                             "--body", '{"properties": {"policies": {"trustPolicy": {"type": "Notary", "status": "enabled"}}}}')
    assert "TrustPolicyNotSupportedWithCmk" in stderr and "customer-managed key" in stderr

    arm.ok("keyvault", "key", "create", "--name", "regkey2", "--vault-name", "kvprot1", "-o", "none")
    new_key = f"https://kvprot1.vault.localhost:{kura.port}/keys/regkey2"
    rotated = arm.json("acr", "encryption", "rotate-key", "-n", "cmkprem1", "--key-encryption-key", new_key,
                       "--identity", identity["principalId"])
    assert rotated["encryption"]["keyVaultProperties"]["keyIdentifier"] == new_key
    assert rotated["encryption"]["keyVaultProperties"]["identity"] == identity["clientId"]
    shown = arm.json("acr", "encryption", "show", "-n", "cmkprem1")
    assert shown["keyVaultProperties"]["keyIdentifier"] == new_key and shown["keyVaultProperties"]["keyRotationEnabled"] is True
    code, stderr = arm.fails("acr", "encryption", "rotate-key", "-n", "cmkprem1", "--key-encryption-key", new_key,
                             "--identity", "11111111-2222-3333-4444-555555555555")
    assert "(InvalidEncryptionIdentity)" in stderr


def registry_dirs(server):
    return set(glob.glob(os.path.join(server.data_dir, "blobs", "registries", "*")))


def test_a_registry_made_through_arm_serves_at_once_and_delete_erases_its_data(kura, arm, tmp_path):
    arm.ok("group", "create", "-n", "PushRg", "-l", "eastus", "-o", "none")
    before = registry_dirs(kura)
    registry = arm.json("acr", "create", "-g", "PushRg", "-n", "armpush1", "--sku", "Standard", "--admin-enabled", "true")
    credentials = arm.json("acr", "credential", "show", "-n", "armpush1")
    user, password = credentials["username"], credentials["passwords"][0]["value"]
    source = Layout(str(tmp_path / "src"))
    image, _ = source.image([2048, 4096], seed=7, marker=b"armpush1 marker")
    source.tag(image, "v1")
    target = f"docker://{registry['loginServer']}/arm/image:v1"
    copied = subprocess.run(["skopeo", "copy", "--dest-cert-dir", kura.cert_dir, "--dest-creds", f"{user}:{password}",
                             f"oci:{source.root}:v1", target], capture_output=True, text=True, timeout=300)
    assert copied.returncode == 0, copied.stderr
    inspected = subprocess.run(["skopeo", "inspect", "--raw", "--cert-dir", kura.cert_dir, "--creds", f"{user}:{password}", target],
                               capture_output=True, text=True, timeout=120)
    assert inspected.returncode == 0, inspected.stderr
    created = registry_dirs(kura) - before
    assert len(created) == 1 and any(files for _, _, files in os.walk(created.pop())), "the pushed blobs are on disk"

    arm.ok("acr", "delete", "-n", "armpush1", "--yes")
    assert registry_dirs(kura) - before == set() or not any(files for d in registry_dirs(kura) - before for _, _, files in os.walk(d))
    gone = subprocess.run(["skopeo", "inspect", "--raw", "--cert-dir", kura.cert_dir, "--creds", f"{user}:{password}", target],
                          capture_output=True, text=True, timeout=120)
    assert gone.returncode != 0
    code, stderr = arm.fails("acr", "show", "-n", "armpush1")
    assert code != 0


def test_a_principal_without_a_role_cannot_write_and_a_reader_can_only_read(kura, arm):
    stranger = create_principal(kura, "no-arm-role")
    subscription = installation(kura)["subscriptionId"]
    client = ResourceManagementClient(principal_credential(kura, stranger), subscription, base_url=f"https://localhost:{kura.port}",
                                      credential_scopes=["https://management.localhost//.default"], connection_verify=kura.ca_file)
    with pytest.raises(HttpResponseError) as raised:
        client.resource_groups.create_or_update("StrangerRg", {"location": "eastus"})
    assert raised.value.status_code == 403 and raised.value.error.code == "AuthorizationFailed"
    assert stranger["objectId"] in raised.value.error.message

    arm.ok("role", "assignment", "create", "--assignee-object-id", stranger["objectId"], "--assignee-principal-type",
           "ServicePrincipal", "--role", "Reader", "--scope", f"/subscriptions/{subscription}", "-o", "none")
    assert client.resource_groups.get("RgOne").name == "RgOne"
    with pytest.raises(HttpResponseError) as raised:
        client.resource_groups.create_or_update("StrangerRg", {"location": "eastus"})
    assert raised.value.status_code == 403 and raised.value.error.code == "AuthorizationFailed"


def test_an_arm_identity_gets_tokens_from_the_managed_identity_endpoint(kura, arm):
    arm.ok("group", "create", "-n", "MiRg", "-l", "eastus", "-o", "none")
    identity = arm.json("identity", "create", "-g", "MiRg", "-n", "workload1")
    with open(os.path.join(kura.data_dir, "identity-endpoint.secret")) as f:
        secret = f.read().strip()
    session = requests.Session()
    session.trust_env = False
    tokens = []
    for selector in ({"client_id": identity["clientId"]}, {"mi_res_id": identity["id"]}, {"object_id": identity["principalId"]}):
        reply = session.get(f"https://localhost:{kura.port}/metadata/identity/oauth2/token",
                            params={"api-version": "2018-02-01", "resource": "https://containerregistry.azure.net", **selector},
                            headers={"Metadata": "true", "X-IDENTITY-HEADER": secret}, verify=kura.ca_file)
        assert reply.status_code == 200, reply.text
        got = claims(reply.json()["access_token"])
        assert got["oid"] == identity["principalId"] and got["appid"] == identity["clientId"]
        tokens.append(reply.json()["access_token"])
    scope = "repository:mi/repo:pull,push"
    assert exchanged_access(kura, tokens[0], scope) in (None, []), "an identity without an Acr role is granted nothing"
    arm.ok("role", "assignment", "create", "--assignee-object-id", identity["principalId"], "--assignee-principal-type",
           "ServicePrincipal", "--role", "AcrPush", "--scope", arm.ok("acr", "show", "-n", "default", "--query", "id", "-o", "tsv").strip(),
           "-o", "none")
    access = exchanged_access(kura, tokens[1], scope)
    assert access == [{"type": "repository", "name": "mi/repo", "actions": ["pull", "push", "metadata_read", "metadata_write"]}]


def test_vaults_are_soft_deleted_recovered_and_purged_through_az(kura, arm):
    arm.ok("group", "create", "-n", "VaultRg", "-l", "eastus", "-o", "none")
    arm.ok("keyvault", "create", "-n", "kvcycle1", "-g", "VaultRg", "--enable-rbac-authorization", "false", "--no-self-perms", "-o", "none")
    arm.ok("keyvault", "create", "-n", "kvkeep1", "-g", "VaultRg", "--enable-purge-protection", "--enable-rbac-authorization", "false",
           "--no-self-perms", "-o", "none")
    for name in ("kvcycle1", "kvkeep1"):
        arm.ok("keyvault", "delete", "-n", name)
    assert {"kvcycle1", "kvkeep1"} <= set(arm.ok("keyvault", "list-deleted", "--query", "[].name", "-o", "tsv").split())
    code, stderr = arm.fails("keyvault", "create", "-n", "kvcycle1", "-g", "VaultRg", "--enable-rbac-authorization", "false",
                             "--no-self-perms")
    assert "deleted state" in stderr
    arm.ok("keyvault", "recover", "-n", "kvcycle1", "-o", "none")
    assert arm.ok("keyvault", "show", "-n", "kvcycle1", "--query", "properties.vaultUri", "-o", "tsv").strip() == \
        f"https://kvcycle1.vault.localhost:{kura.port}/"
    arm.ok("keyvault", "delete", "-n", "kvcycle1")
    arm.ok("keyvault", "purge", "-n", "kvcycle1")
    code, stderr = arm.fails("keyvault", "purge", "-n", "kvkeep1")
    assert "(PurgeProtectionEnabled)" in stderr
    deleted = set(arm.ok("keyvault", "list-deleted", "--query", "[].name", "-o", "tsv").split())
    assert "kvcycle1" not in deleted and "kvkeep1" in deleted


def test_azs_registry_content_commands_use_acrs_metadata_api(kura, arm):
    """The real az's data-plane commands on the registry `default`: repository list/show/show-tags (with
    --detail and --orderby), manifest list-metadata, repository untag and delete."""
    registry = Registry(kura)
    first, body = registry.push_manifest("az/content", "v1", [b"az layer one " * 40])
    registry.session.put(registry.url("/v2/az/content/manifests/stable"), data=body,
                         headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}).raise_for_status()
    second, _ = registry.push_manifest("az/content", "v2", [b"az layer two " * 40])

    assert "az/content" in arm.json("acr", "repository", "list", "-n", "default")
    shown = arm.json("acr", "repository", "show", "-n", "default", "--repository", "az/content")
    assert (shown["imageName"], shown["manifestCount"], shown["tagCount"]) == ("az/content", 2, 3)
    assert arm.json("acr", "repository", "show-tags", "-n", "default", "--repository", "az/content") == ["stable", "v1", "v2"]
    newest = arm.json("acr", "repository", "show-tags", "-n", "default", "--repository", "az/content", "--orderby", "time_desc", "--detail")
    assert newest[0]["name"] == "v2" and newest[0]["digest"] == second
    manifests = arm.json("acr", "manifest", "list-metadata", "-r", "default", "-n", "az/content")
    assert {m["digest"]: sorted(m.get("tags") or []) for m in manifests} == {first: ["stable", "v1"], second: ["v2"]}
    assert all((m["os"], m["architecture"]) == ("linux", "amd64") for m in manifests), "the platform az shows comes from each config"

    arm.ok("acr", "repository", "untag", "-n", "default", "--image", "az/content:stable")
    assert arm.json("acr", "repository", "show-tags", "-n", "default", "--repository", "az/content") == ["v1", "v2"]
    assert registry.get(f"/v2/az/content/manifests/{first}").status_code == 200, "untag keeps the manifest"
    code, message = arm.fails("acr", "repository", "untag", "-n", "default", "--image", "az/content:nosuchtag")
    assert code == 1 and "nosuchtag" in message

    deleted = arm.json("acr", "repository", "delete", "-n", "default", "--repository", "az/content", "--yes")
    assert sorted(deleted["manifestsDeleted"]) == sorted([first, second]) and sorted(deleted["tagsDeleted"]) == ["v1", "v2"]
    assert "az/content" not in arm.json("acr", "repository", "list", "-n", "default")


def test_the_metadata_api_follows_roles_a_puller_reads_and_cannot_delete(kura, arm):
    registry = Registry(kura)
    image, _ = registry.push_manifest("roles/meta", "v1", [b"role-checked layer " * 30])
    reader = create_principal(kura, "metadata-reader")
    registry_id = arm.ok("acr", "show", "-n", "default", "--query", "id", "-o", "tsv").strip()
    arm.ok("role", "assignment", "create", "--assignee-object-id", reader["objectId"], "--assignee-principal-type", "ServicePrincipal",
           "--role", "AcrPull", "--scope", registry_id, "-o", "none")
    with registry_client(kura, principal_credential(kura, reader)) as client:
        assert [m.digest for m in client.list_manifest_properties("roles/meta")] == [image]
        assert [t.name for t in client.list_tag_properties("roles/meta")] == ["v1"]
        for refused in (lambda: client.delete_repository("roles/meta"), lambda: client.delete_tag("roles/meta", "v1")):
            with pytest.raises((ClientAuthenticationError, HttpResponseError)) as raised:
                refused()
            assert raised.value.status_code in (401, 403)
    assert registry.get("/v2/roles/meta/manifests/v1").status_code == 200, "nothing was deleted"
    arm.ok("role", "assignment", "create", "--assignee-object-id", reader["objectId"], "--assignee-principal-type", "ServicePrincipal",
           "--role", "AcrDelete", "--scope", registry_id, "-o", "none")
    with registry_client(kura, principal_credential(kura, reader)) as client:
        client.delete_tag("roles/meta", "v1")
        client.delete_repository("roles/meta")
    assert registry.get("/v2/roles/meta/manifests/v1").status_code == 404
