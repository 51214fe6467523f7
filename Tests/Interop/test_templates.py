"""Issue 15 (begun): the seed's template way — its `CMKtemplate.json`, saved byte for byte from the
seed, deployed by the real az (`az deployment group create` and the seed's own `az group deployment
create`) into a vault and key made as the seed's previous section says."""
import glob
import json
import os

import pytest

from az_cli import Az
from test_login import admin

SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "seed")


def seed_template():
    """The JSON block of the seed's template section, as the seed prints it."""
    text = open(glob.glob(os.path.join(SEED, "*.txt"))[0], encoding="utf-8").read()
    section = text.index("enable-customer-managed-key---template")
    start = text.index("```JSON\n", section) + len("```JSON\n")
    return text[start:text.index("```", start)]


@pytest.fixture(scope="module")
def vault(kura, tmp_path_factory):
    """The seed's previous section: a group, a vault with purge protection, a key."""
    creds = admin(kura)
    az = Az(str(tmp_path_factory.mktemp("az")), kura).login(creds["appId"], creds["password"], creds["tenant"])
    az.ok("group", "create", "--name", "TemplateRG", "--location", "eastus", "-o", "none")
    az.ok("keyvault", "create", "--name", "tplvault1", "--resource-group", "TemplateRG", "--enable-purge-protection",
          "--enable-rbac-authorization", "false", "--no-self-perms", "-o", "none")
    az.ok("keyvault", "set-policy", "--resource-group", "TemplateRG", "--name", "tplvault1", "--object-id", creds["objectId"],
          "--key-permissions", "all", "-o", "none")
    key_id = az.ok("keyvault", "key", "create", "--name", "tplkey", "--vault-name", "tplvault1", "--query", "key.kid", "--output", "tsv").strip()
    path = str(tmp_path_factory.mktemp("template") / "CMKtemplate.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(seed_template())
    return {"az": az, "key_id": key_id, "template": path}


@pytest.mark.parametrize("command", [("deployment", "group", "create"), ("group", "deployment", "create")])
def test_the_seeds_template_deploys_a_cmk_registry_with_the_real_az(vault, command):
    az = vault["az"]
    suffix = "a" if command[0] == "deployment" else "b"
    result = az.run(*command, "--resource-group", "TemplateRG", "--template-file", vault["template"],
                    "--parameters", f"registry_name=tplregistry{suffix}", f"identity_name=tplidentity{suffix}", "vault_name=tplvault1",
                    f"kek_id={vault['key_id']}", "-o", "json")
    assert result.returncode == 0, result.stderr
    deployment = json.loads(result.stdout)
    assert deployment["properties"]["provisioningState"] == "Succeeded", deployment
    encryption = az.json("acr", "encryption", "show", "--name", f"tplregistry{suffix}")
    assert encryption["status"] == "enabled" and encryption["keyVaultProperties"]["keyIdentifier"] == vault["key_id"], encryption
    registry = az.json("acr", "show", "--name", f"tplregistry{suffix}")
    assert registry["sku"]["name"] == "Premium"
    operations = az.json("deployment", "operation", "group", "list", "--resource-group", "TemplateRG", "--name", "CMKtemplate")
    assert sorted(op["properties"]["targetResource"]["resourceType"] for op in operations) == [
        "Microsoft.ContainerRegistry/registries", "Microsoft.KeyVault/vaults/accessPolicies", "Microsoft.ManagedIdentity/userAssignedIdentities"]


def test_the_seeds_template_deploys_five_times_in_a_row_and_reversed_with_kura(kura, vault, tmp_path):
    """The seed's command with `kura group deployment create` (and `kura deployment group create` on the
    template with its resources reversed): the registry and the access policy its identity needs race
    in one wave, five times, and each deploys."""
    import subprocess
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
