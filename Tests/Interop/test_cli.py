"""The kura CLI against a live server: login, account, group and identity commands, output formats,
--query, and az's exit codes (1 service error, 2 usage error, 3 show of something missing)."""
import base64
import json
import os
import re
import stat
import subprocess

import pytest

from kura_server import kura_binary
from registry_client import Registry


@pytest.fixture
def cli(kura, tmp_path):
    config = str(tmp_path / "kura-config")

    def run(*args):
        env = dict(os.environ, KURA_CONFIG_DIR=config)
        return subprocess.run([kura_binary(), *args], capture_output=True, text=True, env=env, timeout=120)

    logged = run("login", "--local", "--data-dir", kura.data_dir, "--server", f"https://localhost:{kura.port}")
    assert logged.returncode == 0, logged.stderr
    run.config = config
    run.login_output = logged.stdout
    return run


def test_login_keeps_private_state_and_account_show_names_the_subscription(kura, cli):
    with open(os.path.join(kura.data_dir, "installation.json")) as f:
        subscription = json.load(f)["subscriptionId"]
    accounts = json.loads(cli.login_output)
    assert accounts[0]["id"] == subscription and accounts[0]["user"]["type"] == "servicePrincipal"
    assert stat.S_IMODE(os.stat(cli.config).st_mode) == 0o700
    for name in ("profile.json", "secrets.json"):
        assert stat.S_IMODE(os.stat(os.path.join(cli.config, name)).st_mode) == 0o600
    shown = cli("account", "show", "--query", "id", "-o", "tsv")
    assert shown.returncode == 0 and shown.stdout.strip() == subscription
    assert cli("group", "list", "-o", "none").returncode == 0
    assert stat.S_IMODE(os.stat(os.path.join(cli.config, "tokens.json")).st_mode) == 0o600
    cli("logout")
    refused = cli("group", "list")
    assert refused.returncode == 1 and "kura login" in refused.stderr


def test_group_commands_succeed_fail_as_az_does(cli):
    created = cli("group", "create", "--name", "CliGroup", "--location", "eastus")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["properties"]["provisioningState"] == "Succeeded"
    assert cli("group", "show", "-n", "cligroup", "--query", "name", "-o", "tsv").stdout.strip() == "CliGroup"
    table = cli("group", "list", "-o", "table").stdout.splitlines()
    assert table[0].split() == ["Name", "Location", "Status"] and any(line.split() == ["CliGroup", "eastus", "Succeeded"] for line in table[2:])
    missing = cli("group", "show", "-n", "nosuchgroup")
    assert missing.returncode == 3 and "ERROR: (ResourceGroupNotFound)" in missing.stderr
    bad_location = cli("group", "create", "-n", "CliGroup", "-l", "westus")
    assert bad_location.returncode == 1 and "(InvalidResourceLocation)" in bad_location.stderr
    unconfirmed = cli("group", "delete", "-n", "CliGroup")
    assert unconfirmed.returncode == 1 and "no tty available. Use --yes." in unconfirmed.stderr, "az's answer without a terminal to ask on"
    assert cli("group", "create", "--bogus").returncode == 2
    assert cli("group", "delete", "-n", "CliGroup", "--yes").returncode == 0
    assert cli("group", "show", "-n", "CliGroup").returncode == 3


def test_identity_commands_flatten_properties_like_az(cli):
    assert cli("group", "create", "-n", "CliIdentities", "-l", "eastus", "-o", "none").returncode == 0
    created = json.loads(cli("identity", "create", "-g", "CliIdentities", "-n", "cliid").stdout)
    assert created["resourceGroup"] == "CliIdentities" and created["location"] == "eastus"
    principal = cli("identity", "show", "--resource-group", "CliIdentities", "--name", "cliid", "--query", "principalId", "--output", "tsv")
    assert principal.returncode == 0 and principal.stdout.strip() == created["principalId"]
    assert cli("identity", "list", "-g", "CliIdentities", "--query", "[].name", "-o", "tsv").stdout.split() == ["cliid"]
    yaml = cli("identity", "show", "-g", "CliIdentities", "-n", "cliid", "-o", "yaml").stdout
    assert f"principalId: '{created['principalId']}'" in yaml or f"principalId: {created['principalId']}" in yaml
    failed = cli("identity", "create", "-g", "NoSuchGroup", "-n", "x1y2z3", "-l", "eastus")
    assert failed.returncode == 1 and "ERROR: (ResourceGroupNotFound)" in failed.stderr
    assert cli("identity", "show", "-g", "CliIdentities", "-n", "nosuchid").returncode == 3
    assert cli("identity", "create", "-g", "CliIdentities").returncode == 2
    bad_query = cli("identity", "show", "-g", "CliIdentities", "-n", "cliid", "--query", "[?")
    assert bad_query.returncode == 2 and "--query" in bad_query.stderr
    assert cli("identity", "delete", "-g", "CliIdentities", "-n", "cliid").returncode == 0
    assert cli("identity", "show", "-g", "CliIdentities", "-n", "cliid").returncode == 3


def test_keyvault_commands_with_the_seeds_flags(cli):
    assert cli("group", "create", "-n", "CliVaults", "-l", "eastus", "-o", "none").returncode == 0
    created = cli("keyvault", "create", "--name", "clivault1", "--resource-group", "CliVaults", "--enable-soft-delete",
                  "--enable-purge-protection", "--query", "properties.[enableSoftDelete, enablePurgeProtection]", "-o", "tsv")
    assert created.returncode == 0, created.stderr
    assert created.stdout.split() == ["true", "true"]  # az prints a list of booleans one per line, lower-case
    principal = cli("identity", "create", "-g", "CliVaults", "-n", "vaultuser", "--query", "principalId", "-o", "tsv").stdout.strip()
    policy = cli("keyvault", "set-policy", "--name", "clivault1", "--object-id", principal, "--key-permissions", "get", "unwrapKey", "wrapKey",
                 "--query", "properties.accessPolicies[?objectId=='%s'].permissions.keys[]" % principal, "-o", "json")
    assert policy.returncode == 0 and sorted(json.loads(policy.stdout)) == ["get", "unwrapKey", "wrapKey"]
    assert cli("keyvault", "delete-policy", "--name", "clivault1", "--object-id", principal, "-o", "none").returncode == 0
    again = cli("keyvault", "delete-policy", "--name", "clivault1", "--object-id", principal)
    assert again.returncode == 1 and "No matching policies found" in again.stderr
    assert cli("keyvault", "show", "-n", "nosuchvault1").returncode == 3
    assert cli("keyvault", "create", "-n", "clivault2", "-g", "CliVaults", "--retention-days", "3").returncode == 1
    assert cli("keyvault", "create", "-n", "clivault2").returncode == 2
    assert cli("keyvault", "create", "-n", "cliloose1", "-g", "CliVaults", "-o", "none").returncode == 0
    assert cli("keyvault", "delete", "-n", "cliloose1").returncode == 0
    assert "cliloose1" in cli("keyvault", "list-deleted", "--query", "[].name", "-o", "tsv").stdout.split()
    assert cli("keyvault", "recover", "-n", "cliloose1", "--query", "name", "-o", "tsv").stdout.strip() == "cliloose1"
    assert cli("keyvault", "delete", "-n", "cliloose1").returncode == 0
    assert cli("keyvault", "purge", "-n", "cliloose1").returncode == 0
    assert cli("keyvault", "delete", "-n", "clivault1").returncode == 0
    protected = cli("keyvault", "purge", "-n", "clivault1")
    assert protected.returncode == 1 and "(PurgeProtectionEnabled)" in protected.stderr


def test_role_assignments_and_service_principals(kura, cli):
    registry = f"/subscriptions/{json.loads(cli.login_output)[0]['id']}/resourceGroups/kura/providers/Microsoft.ContainerRegistry/registries/default"
    created = cli("ad", "sp", "create-for-rbac", "--name", "cli-puller", "--role", "AcrPull", "--scopes", registry)
    assert created.returncode == 0, created.stderr
    principal = json.loads(created.stdout)
    assert set(principal) == {"appId", "displayName", "password", "tenant"}
    listed = json.loads(cli("role", "assignment", "list", "--scope", registry).stdout)
    mine = [a for a in listed if a["roleDefinitionName"] == "AcrPull"]
    assert len(mine) == 1
    object_id = mine[0]["principalId"]
    pushed = cli("role", "assignment", "create", "--assignee", principal["appId"], "--role", "AcrPush", "--scope", registry,
                 "--query", "roleDefinitionName", "-o", "tsv")
    assert pushed.returncode == 0 and pushed.stdout.strip() == "AcrPush"
    duplicate = cli("role", "assignment", "create", "--assignee-object-id", object_id, "--role", "AcrPush", "--scope", registry)
    assert duplicate.returncode == 1 and "(RoleAssignmentExists)" in duplicate.stderr
    assert cli("role", "assignment", "delete", "--assignee", object_id, "--role", "AcrPush", "--scope", registry).returncode == 0
    roles = cli("role", "assignment", "list", "--scope", registry, "--assignee", object_id, "--query", "[].roleDefinitionName", "-o", "tsv")
    assert roles.stdout.split() == ["AcrPull"]
    assert cli("role", "assignment", "create", "--role", "AcrPull", "--scope", registry).returncode == 2
    unknown = cli("role", "assignment", "create", "--assignee-object-id", object_id, "--role", "NoSuchRole", "--scope", registry)
    assert unknown.returncode == 1 and "NoSuchRole" in unknown.stderr


def test_keyvault_key_and_audit_commands(kura, cli, tmp_path):
    admin_id = json.load(open(os.path.join(kura.data_dir, "admin-credentials.json")))["objectId"]
    assert cli("group", "create", "-n", "CliKeys", "-l", "eastus", "-o", "none").returncode == 0
    assert cli("keyvault", "create", "-n", "clikeys1", "-g", "CliKeys", "--enable-purge-protection", "-o", "none").returncode == 0
    assert cli("keyvault", "set-policy", "-n", "clikeys1", "--object-id", admin_id, "--key-permissions", "all", "-o", "none").returncode == 0
    kid = cli("keyvault", "key", "create", "--name", "clikey", "--vault-name", "clikeys1", "--query", "key.kid", "-o", "tsv").stdout.strip()
    assert kid.startswith(f"https://clikeys1.vault.localhost:{kura.port}/keys/clikey/")
    assert cli("keyvault", "key", "show", "--name", "clikey", "--vault-name", "clikeys1", "--query", "key.kid", "-o", "tsv").stdout.strip() == kid
    assert cli("keyvault", "key", "rotate", "--name", "clikey", "--vault-name", "clikeys1", "-o", "none").returncode == 0
    assert cli("keyvault", "key", "list-versions", "--name", "clikey", "--vault-name", "clikeys1", "--query", "length(@)", "-o", "tsv").stdout.strip() == "2"
    sealed = cli("keyvault", "key", "encrypt", "--name", "clikey", "--vault-name", "clikeys1", "--algorithm", "RSA-OAEP-256",
                 "--value", "seed text", "--data-type", "plaintext", "--query", "result", "-o", "tsv").stdout.strip()
    opened = cli("keyvault", "key", "decrypt", "--name", "clikey", "--vault-name", "clikeys1", "--algorithm", "RSA-OAEP-256", "--value", sealed,
                 "--query", "result", "-o", "tsv").stdout.strip()
    import base64
    assert base64.b64decode(opened) == b"seed text"
    backup = str(tmp_path / "clikey.backup")
    assert cli("keyvault", "key", "backup", "--name", "clikey", "--vault-name", "clikeys1", "--file", backup).returncode == 0
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    assert cli("keyvault", "key", "set-attributes", "--name", "clikey", "--vault-name", "clikeys1", "--enabled", "false",
               "--query", "attributes.enabled", "-o", "tsv").stdout.strip() == "false"
    disabled = cli("keyvault", "key", "encrypt", "--name", "clikey", "--vault-name", "clikeys1", "--algorithm", "RSA-OAEP", "--value", "eA==")
    assert disabled.returncode == 1 and "(Forbidden)" in disabled.stderr and "disabled" in disabled.stderr
    assert cli("keyvault", "key", "delete", "--name", "clikey", "--vault-name", "clikeys1", "-o", "none").returncode == 0
    assert cli("keyvault", "key", "list-deleted", "--vault-name", "clikeys1", "--query", "[].recoveryId", "-o", "tsv").stdout.strip().endswith("/deletedkeys/clikey")
    purge = cli("keyvault", "key", "purge", "--name", "clikey", "--vault-name", "clikeys1")
    assert purge.returncode == 1 and "purge protection" in purge.stderr
    assert cli("keyvault", "key", "recover", "--name", "clikey", "--vault-name", "clikeys1", "-o", "none").returncode == 0
    assert cli("keyvault", "key", "show", "--name", "nosuchkey", "--vault-name", "clikeys1").returncode == 3
    assert cli("keyvault", "key", "show", "--name", "clikey").returncode == 2
    entries = json.loads(cli("keyvault", "audit", "list", "--vault-name", "clikeys1").stdout)
    assert len(entries) >= 12 and "KeyRecover" in [e["operation"] for e in entries]
    assert (entries[-1]["operation"], entries[-1]["resultCode"]) == ("KeyGet", 404), "the failed show is audited too"
    verified = json.loads(cli("keyvault", "audit", "verify", "--vault-name", "clikeys1").stdout)
    assert verified["intact"] is True and verified["entries"] == len(entries)


def test_acr_commands_with_a_customer_managed_key(kura, cli):
    admin_id = json.load(open(os.path.join(kura.data_dir, "admin-credentials.json")))["objectId"]
    assert cli("group", "create", "-n", "CliAcr", "-l", "eastus", "-o", "none").returncode == 0
    identity = json.loads(cli("identity", "create", "-g", "CliAcr", "-n", "acrid").stdout)
    assert cli("keyvault", "create", "-n", "cliacrkv1", "-g", "CliAcr", "--enable-soft-delete", "--enable-purge-protection", "-o", "none").returncode == 0
    for object_id, permissions in ((admin_id, ["all"]), (identity["principalId"], ["get", "unwrapKey", "wrapKey"])):
        assert cli("keyvault", "set-policy", "-n", "cliacrkv1", "--object-id", object_id, "--key-permissions", *permissions, "-o", "none").returncode == 0
    key = cli("keyvault", "key", "create", "--name", "acrkey", "--vault-name", "cliacrkv1", "--query", "key.kid", "-o", "tsv").stdout.strip()
    created = cli("acr", "create", "--resource-group", "CliAcr", "--name", "cliacr01", "--identity", identity["id"],
                  "--key-encryption-key", key, "--sku", "Premium", "--admin-enabled", "true")
    assert created.returncode == 0, created.stderr
    registry = json.loads(created.stdout)
    assert registry["loginServer"] == f"cliacr01.cr.localhost:{kura.port}" and registry["resourceGroup"] == "CliAcr"
    shown = json.loads(cli("acr", "encryption", "show", "--name", "cliacr01").stdout)
    assert shown["status"] == "enabled" and shown["keyVaultProperties"]["versionedKeyIdentifier"] == key
    status = json.loads(cli("acr", "encryption", "show-status", "--name", "cliacr01").stdout)
    assert status["keyAccessible"] is True and status["lastKeyError"] is None
    key2 = cli("keyvault", "key", "create", "--name", "acrkey2", "--vault-name", "cliacrkv1", "--query", "key.kid", "-o", "tsv").stdout.strip()
    rotated = cli("acr", "encryption", "rotatekey", "--name", "cliacr01", "--key-encryption-key", key2, "--identity", identity["principalId"],
                  "--query", "encryption.keyVaultProperties.versionedKeyIdentifier", "-o", "tsv")
    assert rotated.returncode == 0 and rotated.stdout.strip() == key2
    credentials = json.loads(cli("acr", "credential", "show", "-n", "cliacr01").stdout)
    renewed = json.loads(cli("acr", "credential", "renew", "-n", "cliacr01", "--password-name", "password2").stdout)
    assert renewed["passwords"][0]["value"] == credentials["passwords"][0]["value"]
    assert renewed["passwords"][1]["value"] != credentials["passwords"][1]["value"]
    token = json.loads(cli("acr", "login", "-n", "cliacr01", "--expose-token").stdout)
    assert token["loginServer"] == registry["loginServer"] and "-" not in token["accessToken"].split(".")[1]
    assert cli("acr", "repository", "list", "-n", "cliacr01", "-o", "tsv").returncode == 0
    assert json.loads(cli("acr", "check-name", "-n", "cliacr01").stdout)["nameAvailable"] is False
    assert cli("acr", "list", "-g", "CliAcr", "--query", "[].name", "-o", "tsv").stdout.split() == ["cliacr01"]
    basic = cli("acr", "create", "-g", "CliAcr", "-n", "cliacr02", "--identity", identity["id"], "--key-encryption-key", key, "--sku", "Basic")
    assert basic.returncode == 1 and "(CmkRequiresPremiumSku)" in basic.stderr
    assert cli("acr", "create", "-g", "CliAcr", "-n", "abc", "--sku", "Basic").returncode == 2
    assert cli("acr", "show", "-n", "nosuchregistry").returncode == 3
    unconfirmed = cli("acr", "delete", "-n", "cliacr01")
    assert unconfirmed.returncode == 1 and "Use --yes." in unconfirmed.stderr
    assert cli("acr", "delete", "-n", "cliacr01", "--yes").returncode == 0
    assert cli("acr", "show", "-n", "cliacr01").returncode == 3


def test_acr_content_commands_read_and_delete_through_the_metadata_api(kura, cli):
    registry = Registry(kura)
    image, body = registry.push_manifest("cli/meta", "v1", [b"cli layer one " * 64])
    registry.session.put(registry.url("/v2/cli/meta/manifests/stable"), data=body,
                         headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}).raise_for_status()
    second, _ = registry.push_manifest("cli/meta", "v2", [b"cli layer two " * 64])
    tags = cli("acr", "repository", "show-tags", "-n", "default", "--repository", "cli/meta", "--orderby", "time_desc", "--top", "2", "--detail")
    assert [(t["name"], t["digest"]) for t in json.loads(tags.stdout)] == [("v2", second), ("stable", image)]
    assert cli("acr", "repository", "show-tags", "-n", "default", "--repository", "cli/meta", "--orderby", "newest").returncode == 2
    listed = json.loads(cli("acr", "manifest", "list-metadata", "-r", "default", "-n", "cli/meta", "--orderby", "time_desc").stdout)
    assert [entry["digest"] for entry in listed] == [second, image]
    assert sorted(listed[1]["tags"]) == ["stable", "v1"] and listed[1]["imageSize"] > len(body)
    assert cli("acr", "manifest", "list-metadata", "-r", "default", "-n", "cli/meta", "--top", "1", "--query", "length(@)", "-o", "tsv").stdout.strip() == "1"
    missing = cli("acr", "manifest", "list-metadata", "-r", "default", "-n", "cli/nothing")
    assert missing.returncode == 1 and "ERROR: (NAME_UNKNOWN)" in missing.stderr
    assert cli("acr", "manifest", "list-metadata", "-r", "default", "-n", "cli/meta", "--orderby", "newest").returncode == 2

    unconfirmed = cli("acr", "repository", "delete", "-n", "default", "--repository", "cli/meta")
    assert unconfirmed.returncode == 1 and "Use --yes." in unconfirmed.stderr
    assert cli("acr", "repository", "delete", "-n", "default", "--image", "cli/meta", "--yes").returncode == 2
    assert cli("acr", "repository", "delete", "-n", "default", "--repository", "cli/meta", "--image", "cli/meta:v1", "--yes").returncode == 2
    gone = cli("acr", "repository", "delete", "-n", "default", "--image", "cli/meta:v1", "--yes")
    assert gone.returncode == 0, gone.stderr
    assert json.loads(cli("acr", "repository", "show-tags", "-n", "default", "--repository", "cli/meta").stdout) == ["v2"], \
        "deleting an image by tag removes its manifest and every tag on it"
    assert cli("acr", "repository", "untag", "-n", "default", "--image", "cli/meta:v2").returncode == 0
    assert json.loads(cli("acr", "repository", "show-tags", "-n", "default", "--repository", "cli/meta").stdout) == []
    assert [m["digest"] for m in json.loads(cli("acr", "manifest", "list-metadata", "-r", "default", "-n", "cli/meta").stdout)] == [second], \
        "untag keeps the image"
    untagged = cli("acr", "repository", "untag", "-n", "default", "--image", "cli/meta:v2")
    assert untagged.returncode == 1 and "(MANIFEST_UNKNOWN)" in untagged.stderr
    assert cli("acr", "repository", "untag", "-n", "default", "--image", "cli/meta").returncode == 2
    unknown_tag = cli("acr", "repository", "delete", "-n", "default", "--image", "cli/meta:v9", "--yes")
    assert unknown_tag.returncode == 1 and "(MANIFEST_UNKNOWN)" in unknown_tag.stderr
    assert cli("acr", "repository", "delete", "-n", "default", "--repository", "cli/meta", "--yes").returncode == 0
    assert "cli/meta" not in json.loads(cli("acr", "repository", "list", "-n", "default").stdout)
    again = cli("acr", "repository", "delete", "-n", "default", "--repository", "cli/meta", "--yes")
    assert again.returncode == 1 and "(NAME_UNKNOWN)" in again.stderr


def test_keyvault_key_import_reads_pem_files(kura, cli, tmp_path):
    assert cli("group", "create", "-n", "CliImport", "-l", "eastus", "-o", "none").returncode == 0
    assert cli("keyvault", "create", "-n", "cliimport1", "-g", "CliImport", "-o", "none").returncode == 0
    keys = {
        "rsa-pkcs1": ["openssl", "genrsa", "-traditional", "-out", "{}", "2048"],
        "rsa-pkcs8": ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", "-out", "{}"],
        "ec-sec1": ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "{}"],
        "ec-pkcs8": ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "{}"],
        "rsa-1024": ["openssl", "genrsa", "-out", "{}", "1024"],
        "encrypted": ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes256", "-pass", "pass:secret", "-out", "{}"],
        "legacy": ["openssl", "genrsa", "-aes128", "-traditional", "-passout", "pass:secret", "-out", "{}", "2048"],
    }
    for name, command in keys.items():
        subprocess.run([part.format(str(tmp_path / f"{name}.pem")) for part in command], check=True, capture_output=True)
    for name, kty in (("rsa-pkcs1", "RSA"), ("rsa-pkcs8", "RSA"), ("ec-sec1", "EC"), ("ec-pkcs8", "EC")):
        imported = cli("keyvault", "key", "import", "--vault-name", "cliimport1", "-n", name, "--pem-file", str(tmp_path / f"{name}.pem"))
        assert imported.returncode == 0, imported.stderr
        key = json.loads(imported.stdout)["key"]
        assert key["kty"] == kty and key["d"] is None and key["p"] is None, "the answer holds no private field"
        if kty == "RSA":
            modulus = subprocess.run(["openssl", "rsa", "-in", str(tmp_path / f"{name}.pem"), "-noout", "-modulus"],
                                     capture_output=True, text=True, check=True).stdout.strip().split("=")[1]
            assert int.from_bytes(base64.b64decode(key["n"]), "big") == int(modulus, 16), "the vault holds the file's key"
        else:
            assert key["crv"] == {"ec-sec1": "P-256", "ec-pkcs8": "P-384"}[name]
    small = cli("keyvault", "key", "import", "--vault-name", "cliimport1", "-n", "small", "--pem-file", str(tmp_path / "rsa-1024.pem"))
    assert small.returncode == 1 and "(BadParameter)" in small.stderr and "1024" in small.stderr
    encrypted = str(tmp_path / "encrypted.pem")
    no_password = cli("keyvault", "key", "import", "--vault-name", "cliimport1", "-n", "enc", "--pem-file", encrypted)
    assert no_password.returncode == 1 and "--pem-password" in no_password.stderr
    wrong = cli("keyvault", "key", "import", "--vault-name", "cliimport1", "-n", "enc", "--pem-file", encrypted, "--pem-password", "nope")
    assert wrong.returncode == 1 and "is --pem-password right?" in wrong.stderr
    opened = cli("keyvault", "key", "import", "--vault-name", "cliimport1", "-n", "enc", "--pem-file", encrypted, "--pem-password", "secret")
    assert opened.returncode == 0 and json.loads(opened.stdout)["key"]["kty"] == "RSA", opened.stderr
    legacy = cli("keyvault", "key", "import", "--vault-name", "cliimport1", "-n", "legacy", "--pem-file", str(tmp_path / "legacy.pem"),
                 "--pem-password", "secret")
    assert legacy.returncode == 1 and "openssl pkcs8 -topk8" in legacy.stderr
    assert cli("keyvault", "key", "import", "--vault-name", "cliimport1", "-n", "nofile").returncode == 2
    assert cli("keyvault", "key", "import", "--vault-name", "cliimport1", "-n", "x", "--pem-file", "/x", "--protection", "tpm").returncode == 2


GROUPS = ["", "group", "identity", "keyvault", "keyvault key", "keyvault audit", "role", "role assignment", "ad", "ad sp", "acr",
          "acr credential", "acr encryption", "acr repository", "acr manifest"]
SEED_COMMANDS = {
    "group create": "kura group create --name <resource-group-name> --location <location>",
    "identity create": "kura identity create --resource-group <resource-group-name>",
    "identity show": "--query 'principalId' --output tsv",
    "keyvault create": "--enable-soft-delete --enable-purge-protection",
    "keyvault set-policy": "--key-permissions get unwrapKey wrapKey",
    "keyvault key create": "kura keyvault key create --name <key-name> --vault-name <key-vault-name>",
    "keyvault key show": "--query 'key.kid' --output tsv",
    "acr create": "--key-encryption-key $keyID --sku Premium",
    "acr encryption show": "kura acr encryption show --name <registry-name>",
    "acr encryption show-status": "kura acr encryption show-status --name <registry-name>",
    "acr encryption rotate-key": "kura acr encryption rotatekey --name <registry-name>",
    "keyvault delete-policy": "kura keyvault delete-policy --resource-group <resource-group-name>",
}


def test_help_reads_like_azs_one_line_per_command_with_the_seeds_examples():
    for group in GROUPS:
        shown = subprocess.run([kura_binary(), *group.split(), "--help"], capture_output=True, text=True, env=dict(os.environ, COLUMNS="80"))
        assert shown.returncode == 0, shown.stderr
        listing = shown.stdout.split("SUBCOMMANDS:\n", 1)[1].split("\n\n", 1)[0].splitlines()
        assert listing and all(re.match(r"^  [a-z][a-z-]* +\S", line) for line in listing), f"'kura {group}': one line per command:\n{shown.stdout}"
    for command, example in SEED_COMMANDS.items():
        shown = subprocess.run([kura_binary(), *command.split(), "--help"], capture_output=True, text=True, env=dict(os.environ, COLUMNS="80"))
        text = re.sub(r" \\\n +", " ", shown.stdout)
        assert "Examples:" in text and example in text, f"'kura {command} --help' shows the seed's use:\n{shown.stdout}"
        assert all(len(line) <= 80 for line in shown.stdout.split("USAGE:")[0].splitlines()), "examples fit the terminal"


def run_with_terminal_stderr(cli, *args):
    """Runs kura with stderr on a pseudo-terminal (stdout still a pipe); returns (exit code, stdout, terminal text)."""
    import pty
    main, secondary = pty.openpty()
    env = dict(os.environ, KURA_CONFIG_DIR=cli.config)
    process = subprocess.Popen([kura_binary(), *args], stdout=subprocess.PIPE, stderr=secondary, text=True, env=env)
    os.close(secondary)
    stdout = process.stdout.read()
    code = process.wait(timeout=120)
    terminal = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    os.close(main)
    return code, stdout, terminal.decode(errors="replace")


def test_long_operations_show_progress_only_on_a_terminal(cli):
    assert cli("group", "create", "-n", "CliProgress", "-l", "eastus", "-o", "none").returncode == 0
    code, stdout, terminal = run_with_terminal_stderr(cli, "keyvault", "create", "-n", "cliprogress1", "-g", "CliProgress")
    assert code == 0 and json.loads(stdout)["name"] == "cliprogress1", "the result still goes to stdout, clean"
    assert "Running .." in terminal and terminal.endswith("\r\x1b[K"), f"a progress line, erased at the end: {terminal!r}"
    piped = cli("keyvault", "delete", "-n", "cliprogress1")
    assert piped.returncode == 0 and piped.stderr == "", "no progress when stderr is not a terminal"
    code, _, terminal = run_with_terminal_stderr(cli, "group", "delete", "-n", "CliProgress", "--yes")
    assert code == 0 and "Running .." in terminal


def test_login_audit_sp_credential_and_encryption_groups_fail_as_az_does(kura, cli, tmp_path):
    """The groups whose other tests cover the success path: a service error (exit 1, message) and a usage error (exit 2) each."""
    account = json.loads(cli("account", "show").stdout)
    other = dict(os.environ, KURA_CONFIG_DIR=str(tmp_path / "other"))

    def elsewhere(*args):
        return subprocess.run([kura_binary(), *args], capture_output=True, text=True, env=other, timeout=120)

    wrong = elsewhere("login", "--service-principal", "-u", account["user"]["name"], "-p", "not-the-secret", "--tenant", account["tenantId"],
                      "--server", f"https://localhost:{kura.port}", "--ca-file", kura.ca_file)
    assert wrong.returncode == 1 and "AADSTS7000215" in wrong.stderr
    assert elsewhere("login").returncode == 2
    nobody = elsewhere("account", "show")
    assert nobody.returncode == 1 and "kura login" in nobody.stderr

    scope = f"/subscriptions/{account['id']}"
    no_role = cli("ad", "sp", "create-for-rbac", "--name", "cli-no-role", "--role", "NoSuchRole", "--scopes", scope)
    assert no_role.returncode == 1 and "NoSuchRole" in no_role.stderr
    principals = requests_get_principals(kura, cli)
    assert "cli-no-role" not in principals, "an unknown role leaves no principal behind whose secret nobody saw"
    assert cli("ad", "sp", "create-for-rbac").returncode == 2

    no_vault = cli("keyvault", "audit", "list", "--vault-name", "nosuchauditvault")
    assert no_vault.returncode == 1 and "(VaultNotFound)" in no_vault.stderr
    assert cli("keyvault", "audit", "verify").returncode == 2

    assert cli("group", "create", "-n", "CliFailures", "-l", "eastus", "-o", "none").returncode == 0
    assert cli("acr", "create", "-g", "CliFailures", "-n", "clifailures1", "--sku", "Standard", "-o", "none").returncode == 0
    disabled = cli("acr", "credential", "show", "-n", "clifailures1")
    assert disabled.returncode == 1 and "(AdminUserDisabled)" in disabled.stderr
    assert cli("acr", "credential", "renew", "-n", "clifailures1").returncode == 2
    not_cmk = cli("acr", "encryption", "rotate-key", "-n", "clifailures1", "--key-encryption-key",
                  f"https://nosuchvault.vault.localhost:{kura.port}/keys/k", "--identity", "[system]")
    assert not_cmk.returncode == 1 and "(EncryptionCannotBeChanged)" in not_cmk.stderr
    assert cli("acr", "encryption", "rotate-key", "-n", "clifailures1").returncode == 2
    assert cli("acr", "delete", "-n", "clifailures1", "--yes").returncode == 0


def requests_get_principals(kura, cli):
    """Display names of the directory's service principals, through the Graph API az reads."""
    import requests
    from test_login import credential
    graph = f"https://localhost:{kura.port}/"
    bearer = credential(kura).get_token(graph + ".default").token
    session = requests.Session()
    session.trust_env = False
    answer = session.get(f"{graph}v1.0/servicePrincipals", headers={"Authorization": f"Bearer {bearer}"}, verify=kura.ca_file, timeout=30)
    assert answer.status_code == 200, answer.text
    return [entry["displayName"] for entry in answer.json()["value"]]
