"""Issue 15 (begun): the seed's template way — its `CMKtemplate.json`, saved byte for byte from the
seed, deployed by the real az (`az deployment group create` and the seed's own `az group deployment
create`) into a vault and key made as the seed's previous section says."""
import glob
import json
import os
import subprocess
import tempfile

import pytest

from az_cli import Az
from oci_layout import Layout
from test_login import admin

SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "seed")


def seed_template():
    """The JSON block of the seed's template section, as the seed prints it."""
    text = open(glob.glob(os.path.join(SEED, "*.txt"))[0], encoding="utf-8").read()
    section = text.index("enable-customer-managed-key---template")
    start = text.index("```JSON\n", section) + len("```JSON\n")
    return text[start:text.index("```", start)]


def seed_vault(az, creds, group, vault, key):
    """The seed's previous section with the real az: a group, a vault with purge protection (the
    admin service principal may use its keys), a key; returns the key's id."""
    az.ok("group", "create", "--name", group, "--location", "eastus", "-o", "none")
    az.ok("keyvault", "create", "--name", vault, "--resource-group", group, "--enable-purge-protection",
          "--enable-rbac-authorization", "false", "--no-self-perms", "-o", "none")
    az.ok("keyvault", "set-policy", "--resource-group", group, "--name", vault, "--object-id", creds["objectId"],
          "--key-permissions", "all", "-o", "none")
    return az.ok("keyvault", "key", "create", "--name", key, "--vault-name", vault, "--query", "key.kid", "--output", "tsv").strip()


@pytest.fixture(scope="module")
def vault(kura, tmp_path_factory):
    """The seed's previous section: a group, a vault with purge protection, a key."""
    creds = admin(kura)
    az = Az(str(tmp_path_factory.mktemp("az")), kura).login(creds["appId"], creds["password"], creds["tenant"])
    key_id = seed_vault(az, creds, "TemplateRG", "tplvault1", "tplkey")
    path = str(tmp_path_factory.mktemp("template") / "CMKtemplate.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(seed_template())
    return {"az": az, "key_id": key_id, "template": path, "creds": creds}


def admin_credentials(vault):
    return vault["creds"]


def push_and_pull(kura, az, registry, tmp_path):
    """skopeo pushes an image through the registry (admin user) and pulls it back."""
    az.ok("acr", "update", "--name", registry, "--admin-enabled", "true", "-o", "none")
    credentials = az.json("acr", "credential", "show", "--name", registry)
    creds = f"{credentials['username']}:{credentials['passwords'][0]['value']}"
    server = az.ok("acr", "show", "--name", registry, "--query", "loginServer", "-o", "tsv").strip()
    layout = Layout(str(tmp_path / f"src-{registry}"))
    image, _ = layout.image([2048], seed=7, marker=registry.encode())
    layout.tag(image, "v1")
    for args in (("--dest-cert-dir", kura.cert_dir, "--dest-creds", creds, f"oci:{layout.root}:v1", f"docker://{server}/tpl/image:v1"),
                 ("--src-cert-dir", kura.cert_dir, "--src-creds", creds, f"docker://{server}/tpl/image:v1", f"oci:{tmp_path}/pulled-{registry}:v1")):
        copied = subprocess.run(["skopeo", "copy", "--preserve-digests", *args], capture_output=True, text=True, timeout=300)
        assert copied.returncode == 0, copied.stderr


def test_the_seeds_template_deploys_five_times_in_a_row_with_the_real_az(kura, vault, tmp_path):
    """The seed's command with the real az, both spellings, five rounds: each yields a Premium registry
    whose encryption reports the key, and skopeo pushes and pulls through it. The registry and the
    access policy its identity needs race in one wave every time."""
    az = vault["az"]
    for round_number in range(5):
        command = ("deployment", "group", "create") if round_number % 2 == 0 else ("group", "deployment", "create")
        registry = f"tplregistry{round_number}"
        result = az.run(*command, "--resource-group", "TemplateRG", "--template-file", vault["template"],
                        "--parameters", f"registry_name={registry}", f"identity_name=tplidentity{round_number}", "vault_name=tplvault1",
                        f"kek_id={vault['key_id']}", "-o", "json")
        assert result.returncode == 0, (round_number, result.stderr)
        assert json.loads(result.stdout)["properties"]["provisioningState"] == "Succeeded"
        encryption = az.json("acr", "encryption", "show", "--name", registry)
        assert encryption["status"] == "enabled" and encryption["keyVaultProperties"]["keyIdentifier"] == vault["key_id"], encryption
        assert az.json("acr", "show", "--name", registry)["sku"]["name"] == "Premium"
        push_and_pull(kura, az, registry, tmp_path)
    operations = az.json("deployment", "operation", "group", "list", "--resource-group", "TemplateRG", "--name", "CMKtemplate")
    assert sorted(op["properties"]["targetResource"]["resourceType"] for op in operations) == [
        "Microsoft.ContainerRegistry/registries", "Microsoft.KeyVault/vaults/accessPolicies", "Microsoft.ManagedIdentity/userAssignedIdentities"]


def test_the_seeds_template_deploys_five_times_in_a_row_and_reversed_with_kura(kura, vault, tmp_path):
    """The seed's command with `kura group deployment create` (and `kura deployment group create` on the
    template with its resources reversed): the registry and the access policy its identity needs race
    in one wave, five times, and each deploys."""
    from kura_server import kura_binary
    env = dict(os.environ, KURA_CONFIG_DIR=str(tmp_path / "kura-cli"))

    def kura_cli(*args):
        return subprocess.run([kura_binary(), *args], capture_output=True, text=True, env=env, timeout=300)

    login = kura_cli("login", "--local", "--data-dir", kura.data_dir, "--server", f"https://localhost:{kura.port}")
    assert login.returncode == 0, login.stderr
    reversed_path = tmp_path / "reversed.json"
    template = json.loads(seed_template())
    template["resources"] = list(reversed(template["resources"]))
    reversed_path.write_text(json.dumps(template))
    for round_number in range(6):
        command = ("group", "deployment", "create") if round_number < 5 else ("deployment", "group", "create")
        path = vault["template"] if round_number < 5 else str(reversed_path)
        result = kura_cli(*command, "--resource-group", "TemplateRG", "--template-file", path, "--parameters",
                          f"registry_name=kuratpl{round_number}", f"identity_name=kuratplid{round_number}", "vault_name=tplvault1",
                          f"kek_id={vault['key_id']}", "--query", "properties.provisioningState", "-o", "tsv")
        assert result.returncode == 0 and result.stdout.strip() == "Succeeded", (round_number, result.stdout, result.stderr)
        shown = kura_cli("acr", "encryption", "show", "--name", f"kuratpl{round_number}", "--query", "keyVaultProperties.keyIdentifier", "-o", "tsv")
        assert shown.stdout.strip() == vault["key_id"], (round_number, shown.stdout, shown.stderr)
        if round_number in (0, 5):
            push_and_pull(kura, vault["az"], f"kuratpl{round_number}", tmp_path)


def test_an_unknown_function_is_invalid_template_as_az_prints_it(vault, tmp_path):
    template = tmp_path / "unknown.json"
    template.write_text(json.dumps({"$schema": "x", "contentVersion": "1.0.0.0", "resources": [
        {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2018-11-30", "name": "[utcNowPlus()]",
         "location": "[resourceGroup().location]"}]}))
    code, stderr = vault["az"].fails("deployment", "group", "create", "--resource-group", "TemplateRG", "--template-file", str(template))
    assert "InvalidTemplate" in stderr and "utcNowPlus" in stderr, stderr


def test_a_body_that_is_not_json_even_leniently_names_its_line(kura, vault):
    """az splices the template in verbatim (comments, a bare `template:` key): that is read; a real
    syntax error is `InvalidTemplate` with its line and column."""
    import requests
    from test_login import installation
    from test_registry_aad import management_token
    subscription = installation(kura)["subscriptionId"]
    url = (f"https://localhost:{kura.port}/subscriptions/{subscription}/resourcegroups/TemplateRG/providers/Microsoft.Resources/"
           "deployments/broken/validate?api-version=2025-04-01")
    headers = {"Authorization": "Bearer " + management_token(kura), "Content-Type": "application/json"}
    good = '{"properties": {"mode": "Incremental", template:{\n  // a comment\n  "resources": [],\n}\n}}'
    assert requests.post(url, data=good, headers=headers, verify=kura.ca_file).status_code == 200
    bad = '{"properties": {"mode": "Incremental", template:{\n  "resources": [ {"type": "A.B/c" "name": "n"} ]\n}\n}}'
    answer = requests.post(url, data=bad, headers=headers, verify=kura.ca_file)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "InvalidTemplate" and "line 2, column 35" in answer.json()["error"]["message"], answer.text


def start_waiting_deployment(server, group, name, prefix, vault_name, key_id):
    """PUTs the seed's template without its access policy: the registry then waits (up to 60 s) for
    a key its identity may not use, so the deployment is Running for a while. Returns (url, headers,
    the PUT's answer)."""
    import requests
    from test_login import installation
    from test_registry_aad import management_token
    template = json.loads(seed_template())
    template["resources"] = [r for r in template["resources"] if not r["type"].endswith("accessPolicies")]
    subscription = installation(server)["subscriptionId"]
    url = (f"https://localhost:{server.port}/subscriptions/{subscription}/resourcegroups/{group}/providers/Microsoft.Resources/"
           f"deployments/{name}?api-version=2025-04-01")
    headers = {"Authorization": "Bearer " + management_token(server)}
    body = {"properties": {"mode": "Incremental", "template": template, "parameters": {
        "registry_name": {"value": f"{prefix}registry"}, "identity_name": {"value": f"{prefix}identity"}, "vault_name": {"value": vault_name},
        "kek_id": {"value": key_id}}}}
    started = requests.put(url, json=body, headers=headers, verify=server.ca_file)
    assert started.status_code == 201, started.text
    return url, headers, started.json()


def test_a_deployment_a_kill_9_interrupts_is_failed_after_the_restart_never_running(fresh_kura, tmp_path):
    """The registry waits for a key its identity may not use (no access policy); the server is killed
    mid-run; after the restart the deployment says Failed, and why."""
    import requests
    from kura_server import kura_binary
    from test_registry_aad import management_token
    env = dict(os.environ, KURA_CONFIG_DIR=str(tmp_path / "kura-cli"))

    def kura_cli(*args):
        result = subprocess.run([kura_binary(), *args], capture_output=True, text=True, env=env, timeout=300)
        assert result.returncode == 0, (args, result.stderr)
        return result.stdout.strip()

    kura_cli("login", "--local", "--data-dir", fresh_kura.data_dir, "--server", f"https://localhost:{fresh_kura.port}")
    kura_cli("group", "create", "--name", "KillRG", "--location", "eastus", "-o", "none")
    kura_cli("keyvault", "create", "--name", "killvault1", "--resource-group", "KillRG", "--enable-purge-protection", "-o", "none")
    key_id = kura_cli("keyvault", "key", "create", "--name", "k", "--vault-name", "killvault1", "--query", "key.kid", "-o", "tsv")
    url, _, started = start_waiting_deployment(fresh_kura, "KillRG", "killed", "kill", "killvault1", key_id)
    assert started["properties"]["provisioningState"] == "Running", started
    fresh_kura.kill()
    fresh_kura.start()
    headers = {"Authorization": "Bearer " + management_token(fresh_kura)}
    after = requests.get(url, headers=headers, verify=fresh_kura.ca_file).json()
    assert after["properties"]["provisioningState"] == "Failed", after
    assert after["properties"]["error"]["details"][0]["code"] == "DeploymentInterrupted", after


@pytest.mark.parametrize("command", ["validate", "what-if"])
def test_validate_and_what_if_refuse_what_the_seeds_rules_refuse(vault, tmp_path, command):
    """A Basic registry asking for a customer-managed key, a key in a vault without purge
    protection, an unknown function and a missing parameter: refused by `validate` and `what-if`
    with ARM's code and message, as az prints them."""
    az = vault["az"]
    unprotected = "tplnoprotect" + command[0]
    az.ok("keyvault", "create", "--name", unprotected, "--resource-group", "TemplateRG", "--enable-rbac-authorization", "false",
          "--no-self-perms", "-o", "none")
    creds = admin_credentials(vault)
    az.ok("keyvault", "set-policy", "--resource-group", "TemplateRG", "--name", unprotected, "--object-id", creds["objectId"],
          "--key-permissions", "all", "-o", "none")
    unprotected_key = az.ok("keyvault", "key", "create", "--name", "k", "--vault-name", unprotected, "--query", "key.kid", "-o", "tsv").strip()
    basic = json.loads(seed_template())
    basic["resources"][0]["sku"] = {"name": "Basic", "tier": "Basic"}
    basic_path = tmp_path / "basic.json"
    basic_path.write_text(json.dumps(basic))
    unknown = json.loads(seed_template())
    unknown["resources"][0]["location"] = "[utcNowPlus()]"
    unknown_path = tmp_path / "unknown.json"
    unknown_path.write_text(json.dumps(unknown))
    names = ["registry_name=tplrefused", "identity_name=tplrefusedid", "vault_name=tplvault1"]
    cases = [
        (str(basic_path), [f"kek_id={vault['key_id']}"], "CmkRequiresPremiumSku",
         "Customer-managed key encryption is only available on the Premium SKU; the requested SKU is 'Basic'."),
        (vault["template"], [f"kek_id={unprotected_key}"], "KeyVaultPurgeProtectionRequired",
         f"The key vault '{unprotected}' must have soft delete and purge protection enabled to hold a registry's customer-managed key."),
        (str(unknown_path), [f"kek_id={vault['key_id']}"], "InvalidTemplate", "The template function 'utcNowPlus' is not valid."),
        # az leaves a missing parameter to the server only when told not to prompt; the server names it.
        (vault["template"], [], "InvalidTemplate", "The value for the template parameter 'kek_id' is not provided."),
    ]
    for template, parameters, code, message in cases:
        _, stderr = az.fails("deployment", "group", command, "--resource-group", "TemplateRG", "--template-file", template, "--no-prompt",
                             "true", "--parameters", *names, *parameters)
        # az prints validate's error as ARM's JSON, what-if's as "(code) message".
        printed = f'{{"code": "{code}", "message": "' if command == "validate" else f"({code}) "
        assert printed in stderr and message in stderr, stderr
    # Without --no-prompt and without a terminal, az itself refuses, naming the parameter.
    _, stderr = az.fails("deployment", "group", command, "--resource-group", "TemplateRG", "--template-file", vault["template"],
                         "--parameters", *names)
    assert "Missing input parameters: kek_id" in stderr, stderr
    # Nothing was written.
    assert az.run("acr", "show", "--name", "tplrefused").returncode != 0


def test_a_secure_parameter_is_never_shown_nor_logged(kura, vault, tmp_path):
    """A securestring's value is in no deployment answer (PUT, GET, list, operations) and in no line
    of the server's log, even when the deployment fails."""
    import requests
    from test_login import installation
    from test_registry_aad import management_token
    secret = "s3cret-" + os.urandom(8).hex()
    subscription = installation(kura)["subscriptionId"]
    base = (f"https://localhost:{kura.port}/subscriptions/{subscription}/resourcegroups/TemplateRG/providers/Microsoft.Resources/"
            "deployments")
    headers = {"Authorization": "Bearer " + management_token(kura)}
    template = {"$schema": "x", "contentVersion": "1.0.0.0",
                "parameters": {"password": {"type": "securestring"}, "name": {"type": "string"}},
                "resources": [{"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2018-11-30",
                               "name": "[parameters('name')]", "location": "eastus", "tags": {"note": "[parameters('password')]"}}]}
    template_path = tmp_path / "secure.json"
    template_path.write_text(json.dumps(template))
    answers = []
    for name, identity in (("secureok", "tplsecureid"), ("securebad", "x")):
        # az deploys and follows the run to its end; what it prints is the server's answer.
        deployed = vault["az"].run("deployment", "group", "create", "--resource-group", "TemplateRG", "--name", name,
                                   "--template-file", str(template_path), "--parameters", f"password={secret}", f"name={identity}", "-o", "json")
        assert (deployed.returncode == 0) == (name == "secureok"), deployed.stderr
        url = f"{base}/{name}?api-version=2025-04-01"
        answers += [deployed.stdout, deployed.stderr, requests.get(url, headers=headers, verify=kura.ca_file).text,
                    requests.get(url.replace("?", "/operations?"), headers=headers, verify=kura.ca_file).text]
    answers.append(requests.get(f"{base}?api-version=2025-04-01", headers=headers, verify=kura.ca_file).text)
    assert '"type":"SecureString"' in answers[2].replace(" ", "")
    for text in answers:
        assert secret not in text
    with open(os.path.join(tempfile.gettempdir(), f"kura-{kura.port}.out"), encoding="utf-8", errors="replace") as log:
        assert secret not in log.read()


def test_a_canceled_deployment_says_canceled(kura, vault, tmp_path):
    """A registry waits for a key its identity may not use; `az deployment group cancel` stops the
    run and the deployment says Canceled (the end is written even though the run was canceled)."""
    import requests
    url, headers, _ = start_waiting_deployment(kura, "TemplateRG", "tobecanceled", "tplcanceled", "tplvault1", vault["key_id"])
    vault["az"].ok("deployment", "group", "cancel", "--resource-group", "TemplateRG", "--name", "tobecanceled")
    shown = requests.get(url, headers=headers, verify=kura.ca_file).json()
    assert shown["properties"]["provisioningState"] == "Canceled", shown


def test_a_template_makes_the_vault_its_key_and_the_cmk_registry_with_the_real_az(kura, vault, tmp_path):
    """Everything of the seed in one template — identity, vault with purge protection and the
    identity's access policy, `Microsoft.KeyVault/vaults/keys`, and a Premium registry encrypted with
    that key (its id read with `reference()`) — deployed by the real az; `az acr encryption show`
    reports the key, `az rest` lists it among the vault's keys through ARM, and a second deployment
    leaves the key as it was."""
    az = vault["az"]
    az.ok("group", "create", "--name", "TemplateKeyRG", "--location", "eastus", "-o", "none")
    identity = "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'tplkeyid')]"
    key = "[resourceId('Microsoft.KeyVault/vaults/keys', 'tplkeyvault', 'cmk')]"
    template = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#", "contentVersion": "1.0.0.0",
                "resources": [
                    {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2018-11-30", "name": "tplkeyid",
                     "location": "[resourceGroup().location]"},
                    {"type": "Microsoft.KeyVault/vaults", "apiVersion": "2023-07-01", "name": "tplkeyvault",
                     "location": "[resourceGroup().location]", "dependsOn": [identity],
                     "properties": {"tenantId": "[subscription().tenantId]", "sku": {"family": "A", "name": "standard"},
                                    "enablePurgeProtection": True, "enableSoftDelete": True,
                                    "accessPolicies": [{"tenantId": "[subscription().tenantId]",
                                                        "objectId": f"[reference({identity[1:-1]}).principalId]",
                                                        "permissions": {"keys": ["get", "unwrapKey", "wrapKey"]}}]}},
                    {"type": "Microsoft.KeyVault/vaults/keys", "apiVersion": "2023-07-01", "name": "tplkeyvault/cmk",
                     "dependsOn": ["[resourceId('Microsoft.KeyVault/vaults', 'tplkeyvault')]"],
                     "properties": {"kty": "RSA", "keySize": 3072, "keyOps": ["wrapKey", "unwrapKey"]}},
                    {"type": "Microsoft.ContainerRegistry/registries", "apiVersion": "2019-12-01-preview", "name": "tplkeyreg",
                     "location": "[resourceGroup().location]", "sku": {"name": "Premium", "tier": "Premium"}, "dependsOn": [key],
                     "identity": {"type": "UserAssigned", "userAssignedIdentities": {identity: {}}},
                     "properties": {"encryption": {"status": "enabled", "keyVaultProperties": {
                         "keyIdentifier": f"[reference({key[1:-1]}).keyUri]", "identity": f"[reference({identity[1:-1]}).clientId]"}}}}],
                "outputs": {"keyUri": {"type": "string", "value": f"[reference({key[1:-1]}).keyUriWithVersion]"}}}
    path = tmp_path / "vault-key-registry.json"
    path.write_text(json.dumps(template))
    first = az.json("deployment", "group", "create", "--resource-group", "TemplateKeyRG", "--name", "withkey", "--template-file", str(path))
    assert first["properties"]["provisioningState"] == "Succeeded", first
    versioned = first["properties"]["outputs"]["keyUri"]["value"]
    key_uri = versioned.rsplit("/", 1)[0]
    assert key_uri.endswith("/keys/cmk"), versioned
    shown = az.json("acr", "encryption", "show", "--name", "tplkeyreg")
    assert shown["status"] == "enabled" and shown["keyVaultProperties"]["keyIdentifier"] == key_uri, shown
    subscription = az.ok("account", "show", "--query", "id", "-o", "tsv").strip()
    keys = az.json("rest", "--method", "get", "--url",
                   f"https://localhost:{kura.port}/subscriptions/{subscription}/resourceGroups/TemplateKeyRG/providers/Microsoft.KeyVault/"
                   "vaults/tplkeyvault/keys?api-version=2023-07-01")
    assert [(k["name"], k["properties"]["kty"], k["properties"]["keySize"], k["properties"]["keyUriWithVersion"]) for k in keys["value"]] \
        == [("cmk", "RSA", 3072, versioned)], keys
    again = az.json("deployment", "group", "create", "--resource-group", "TemplateKeyRG", "--name", "withkey2", "--template-file", str(path))
    assert again["properties"]["outputs"]["keyUri"]["value"] == versioned, "a second deployment makes no new version of the key"
    push_and_pull(kura, az, "tplkeyreg", tmp_path)
