"""Issue 16 (begun): directory users — made, shown, listed and deleted by the real az (Graph's
/v1.0/users) and by kura; the first start's admin user; a user as a role assignee."""
import json
import os
import subprocess

from az_cli import Az
from kura_server import kura_binary
from test_login import admin, installation


def test_the_first_start_makes_an_admin_user_shows_its_password_once_and_keeps_it(kura):
    user = admin(kura)["user"]
    assert user["userPrincipalName"] == "admin@kura.local"
    assert f"password:  {user['password']}" in kura.stdout and "Admin user for the portal" in kura.stdout


def test_az_ad_user_create_show_list_delete_and_a_user_as_role_assignee(kura, tmp_path):
    creds = admin(kura)
    az = Az(str(tmp_path / "az"), kura).login(creds["appId"], creds["password"], creds["tenant"])
    made = az.json("ad", "user", "create", "--display-name", "Alice", "--password", "Sesame-Street-1",
                   "--user-principal-name", "alice@contoso.com")
    assert made["userPrincipalName"] == "alice@contoso.com" and made["displayName"] == "Alice" and made["accountEnabled"] is True
    assert az.json("ad", "user", "show", "--id", "alice@contoso.com")["id"] == made["id"]
    assert az.json("ad", "user", "show", "--id", made["id"])["userPrincipalName"] == "alice@contoso.com"
    assert {"alice@contoso.com", "admin@kura.local"} <= {u["userPrincipalName"] for u in az.json("ad", "user", "list")}

    _, stderr = az.fails("ad", "user", "create", "--display-name", "Twin", "--password", "Sesame-Street-1",
                         "--user-principal-name", "Alice@Contoso.com")
    assert "Another object with the same value for property userPrincipalName already exists." in stderr, stderr
    _, stderr = az.fails("ad", "user", "create", "--display-name", "Weak", "--password", "weakpassword",
                         "--user-principal-name", "weak@contoso.com")
    assert "does not comply with password complexity requirements" in stderr, stderr

    # az finds a user assignee by its sign-in name through Graph.
    scope = f"/subscriptions/{installation(kura)['subscriptionId']}"
    assigned = az.json("role", "assignment", "create", "--assignee", "alice@contoso.com", "--role", "Reader", "--scope", scope)
    assert assigned["principalId"] == made["id"] and assigned["principalType"] == "User", assigned

    az.ok("ad", "user", "delete", "--id", made["id"])
    _, stderr = az.fails("ad", "user", "show", "--id", "alice@contoso.com")
    assert "Request_ResourceNotFound" in stderr or "does not exist" in stderr, stderr
    left = [a for a in az.json("role", "assignment", "list", "--scope", scope) if a["principalId"] == made["id"]]
    assert left == [], "a deleted user's role assignments go with it"


def test_kura_ad_user_create_show_list_delete(kura, tmp_path):
    config = str(tmp_path / "kura-config")

    def cli(*args):
        return subprocess.run([kura_binary(), *args], capture_output=True, text=True, env=dict(os.environ, KURA_CONFIG_DIR=config), timeout=120)

    assert cli("login", "--local", "--data-dir", kura.data_dir, "--server", f"https://localhost:{kura.port}").returncode == 0
    made = cli("ad", "user", "create", "--display-name", "Bob", "--password", "Sesame-Street-2", "--user-principal-name", "bob@contoso.com")
    assert made.returncode == 0, made.stderr
    bob = json.loads(made.stdout)
    assert bob["userPrincipalName"] == "bob@contoso.com" and bob["displayName"] == "Bob" and bob["@odata.type"] == "#microsoft.graph.user"
    shown = cli("ad", "user", "show", "--id", "bob@contoso.com", "--query", "id", "-o", "tsv")
    assert shown.returncode == 0 and shown.stdout.strip() == bob["id"]
    listed = cli("ad", "user", "list", "--upn", "BOB@contoso.com", "--query", "[].userPrincipalName", "-o", "tsv")
    assert listed.stdout.split() == ["bob@contoso.com"]
    weak = cli("ad", "user", "create", "--display-name", "W", "--password", "short", "--user-principal-name", "w@contoso.com")
    assert weak.returncode == 1 and "password complexity" in weak.stderr
    assert cli("ad", "user", "delete", "--id", "bob@contoso.com").returncode == 0
    gone = cli("ad", "user", "show", "--id", bob["id"])
    assert gone.returncode == 1 and "Request_ResourceNotFound" in gone.stderr, gone.stderr
