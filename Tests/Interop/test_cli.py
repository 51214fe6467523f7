"""The kura CLI against a live server: login, account, group and identity commands, output formats,
--query, and az's exit codes (1 service error, 2 usage error, 3 show of something missing)."""
import json
import os
import stat
import subprocess

import pytest

from kura_server import kura_binary


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
    assert table[0].split() == ["Location", "Name"] and any(line.split() == ["eastus", "CliGroup"] for line in table[2:])
    missing = cli("group", "show", "-n", "nosuchgroup")
    assert missing.returncode == 3 and "ERROR: (ResourceGroupNotFound)" in missing.stderr
    bad_location = cli("group", "create", "-n", "CliGroup", "-l", "westus")
    assert bad_location.returncode == 1 and "(InvalidResourceLocation)" in bad_location.stderr
    usage = cli("group", "delete", "-n", "CliGroup")
    assert usage.returncode == 2 and "--yes" in usage.stderr
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
