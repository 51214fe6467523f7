"""Issue 16: the seed's portal section ("Enable customer-managed key - Portal"), click by click in
headless Chromium against the real `kura serve`: identity, vault with purge protection, access
policy through the principal picker, key and its version, a Premium registry on the Basics and
Encryption tabs, its Encryption page; skopeo pushes and the Repositories page lists it; rotation,
revocation and restore on the Encryption page. Then what a user without roles sees, the form
tokens and the session cookie."""
import html
import json
import os
import re
import subprocess
from urllib.parse import urljoin

import pytest
import requests

from az_cli import Az
from kura_server import kura_binary
from oci_layout import Layout
from portal_browser import Portal
from test_cmk import skopeo, wait_for
from test_login import admin, credential


def registry_refresh_token(kura, registry_host):
    """An ACR refresh token for the admin service principal (what `az acr login --expose-token` gives)."""
    aad = credential(kura).get_token("https://containerregistry.azure.net/.default").token
    session = requests.Session()
    session.trust_env = False
    exchanged = session.post(f"https://{registry_host}/oauth2/exchange",
                             data={"grant_type": "access_token", "service": registry_host.split(":")[0], "access_token": aad},
                             verify=kura.ca_file)
    assert exchanged.status_code == 200, exchanged.text
    return exchanged.json()["refresh_token"]


def encryption_state(portal, path):
    """(key accessible?, reason) as the Encryption page shows them after a reload."""
    portal.go(path)
    reason = portal.finds("#last-key-error")
    return portal.text("#key-accessible"), (reason[0].text if reason else "")


@pytest.fixture
def browser(kura, request):
    portal = Portal(kura, request.node.name)
    yield portal
    portal.keep_last_page()
    portal.close()


def add_access_policy(portal, principal_name):
    """Access policies → + Create: Get, Unwrap Key, Wrap Key; the principal picked by name; Create."""
    portal.click("#add-access-policy")
    assert portal.heading() == "Create an access policy"
    for permission in ("Get", "Unwrap Key", "Wrap Key"):
        portal.check(permission)
    portal.fill("#principal-search", principal_name)
    portal.click("#search-principal")
    # The picker's search kept the ticked permissions.
    assert all(portal.find(f"#{box}").is_selected() for box in ("perm-0-get", "perm-1-unwrapKey", "perm-1-wrapKey"))
    portal.check(next(label.text for label in portal.finds("fieldset.picker label") if label.text.startswith(principal_name + " ")))
    portal.shot("access-policy-form")
    portal.click("#create")
    assert "Access policy added" in portal.notice()


def test_the_seeds_portal_flow_click_by_click(kura, browser, tmp_path):
    creds = admin(kura)
    portal = browser
    portal.sign_in(creds["user"]["userPrincipalName"], creds["user"]["password"])
    assert portal.heading() == "Home" and portal.text("[data-testid=signed-in-user]") == "kura admin"
    portal.shot("home")

    # Resource group.
    portal.click_link("Resource group")
    portal.fill("#group-name", "PortalSeedRG")
    portal.click("#create")
    assert portal.heading() == "PortalSeedRG" and "created" in portal.notice()
    portal.shot("resource-group")

    # Managed identity (from the group's page: the group is chosen).
    portal.click_link("Create managed identity")
    assert portal.selected_value("#identity-group") == "PortalSeedRG"
    portal.fill("#identity-name", "portalidentity")
    portal.click("#create")
    assert portal.heading() == "portalidentity"
    principal_id = portal.text("#principal-id")
    assert re.fullmatch(r"[0-9a-f-]{36}", principal_id)
    portal.shot("managed-identity")

    # Key vault with purge protection (the checkbox, its rule explained beside it).
    portal.go("/portal/groups/PortalSeedRG")
    portal.click_link("Create key vault")
    portal.fill("#vault-name", "portalvault1")
    assert "purge protection" in portal.text("#purge-hint")
    portal.check("Enable purge protection (enforce a mandatory retention period for deleted vaults and vault objects)")
    portal.shot("key-vault-basics")
    portal.click("#create")
    assert portal.heading() == "portalvault1" and portal.text("#purge-protection") == "Enabled"
    portal.shot("key-vault")

    # Settings > Access policies > + Create (Get, Unwrap Key, Wrap Key; Select principal = the identity).
    portal.click_link("Access policies")
    add_access_policy(portal, "portalidentity")
    row = portal.find(f"tr[data-object-id='{principal_id}']")
    assert "get" in row.text and "unwrapKey" in row.text and "wrapKey" in row.text
    portal.shot("access-policies")

    # Settings > Keys > + Generate/Import (defaults); the key's page shows its current version.
    portal.click_link("Keys")
    portal.click("#generate-key")
    portal.fill("#key-name", "portalkey")
    portal.click("#create")
    assert portal.heading() == "portalkey"
    version = portal.text("#current-version")
    key_id = portal.text("#key-identifier")
    assert re.fullmatch(r"[0-9a-f]{32}", version) and key_id.endswith("/keys/portalkey/" + version)
    assert portal.text("#versionless-identifier") == key_id.rsplit("/", 1)[0]
    portal.shot("key-current-version")

    # Create a resource > Container Registry: Basics, then Encryption with the key picker.
    portal.go("/portal/")
    portal.click_link("Container registry")
    portal.choose("#registry-group", "PortalSeedRG")
    portal.fill("#registry-name", "portalregistry")
    portal.choose("#registry-sku", "Standard")
    portal.shot("registry-basics")
    portal.click("#next-encryption")
    portal.check("Enabled (your key in a key vault wraps the registry's data key)")
    portal.choose("#registry-identity", "portalidentity")
    portal.click("#select-key")
    portal.click_link("portalvault1")
    portal.click_link("portalkey")
    assert portal.find(f"#version-{version}").is_selected(), "the current version is preselected"
    portal.shot("key-picker")
    portal.click("#select")
    assert portal.find("#registry-key").get_attribute("value") == key_id
    assert portal.find("#cmk-enabled").is_selected() and portal.selected_text("#registry-identity") == "portalidentity"
    portal.shot("registry-encryption-tab")
    portal.click("#review-create")
    assert portal.text("#review-sku") == "Standard" and portal.text("#review-cmk") == "Enabled" and portal.text("#review-key") == key_id
    # ARM's refusal, on the Basics tab beside the SKU; what was entered is kept.
    portal.click("#create")
    assert "CmkRequiresPremiumSku" in portal.text("#registry-sku-error") or "Premium" in portal.text("#registry-sku-error")
    assert portal.find("#registry-name").get_attribute("value") == "portalregistry"
    portal.shot("registry-needs-premium")
    portal.choose("#registry-sku", "Premium")
    portal.click("#review-create")
    assert portal.text("#review-sku") == "Premium" and portal.text("#review-key") == key_id
    portal.shot("registry-review")
    portal.click("#create")
    assert portal.heading() == "portalregistry" and "created" in portal.notice()
    login_server = portal.text("#login-server")
    assert login_server == kura.registry_host("portalregistry").split(":")[0] + f":{kura.port}" or login_server.startswith("portalregistry.")

    # The registry's Encryption page: enabled, the key, accessible.
    portal.click_link("Encryption")
    assert portal.text("#cmk-status") == "Enabled" and portal.text("#key-accessible") == "Yes"
    assert portal.text("#key-identifier") == key_id and portal.text("#versioned-key-identifier") == key_id
    encryption_path = "/portal/groups/PortalSeedRG/registries/portalregistry/encryption"
    portal.shot("registry-encryption")

    # Outside the browser: skopeo pushes with the registry's credentials; Repositories lists it.
    host = kura.registry_host("portalregistry")
    creds_arg = f"00000000-0000-0000-0000-000000000000:{registry_refresh_token(kura, host)}"
    layout = Layout(str(tmp_path / "layout"))
    descriptor, _ = layout.image([2048, 4096], seed=16)
    layout.tag(descriptor, "v1")
    pushed = skopeo("copy", "--preserve-digests", "--dest-cert-dir", kura.cert_dir, "--dest-creds", creds_arg, f"oci:{layout.root}:v1",
                    f"docker://{host}/seed/portal:v1")
    assert pushed.returncode == 0, pushed.stderr

    def pull():
        return skopeo("copy", "--src-cert-dir", kura.cert_dir, "--src-creds", creds_arg, f"docker://{host}/seed/portal:v1",
                      f"oci:{tmp_path / 'pulled'}:v1")

    portal.click_link("Repositories")
    portal.click_link("seed/portal")
    assert "v1" in portal.text("#manifests") and descriptor["digest"] in portal.text("#manifests")
    assert "linux/amd64" in portal.text("#manifests")
    portal.shot("repositories")

    # Rotate to a new key on the Encryption page (the picker again).
    portal.go("/portal/groups/PortalSeedRG/vaults/portalvault1/new-key")
    portal.fill("#key-name", "portalkey2")
    portal.click("#create")
    new_key_id = portal.text("#key-identifier")
    portal.go(encryption_path)
    portal.click("#select-key")
    portal.click_link("portalvault1")
    portal.click_link("portalkey2")
    portal.click("#select")
    assert portal.find("#rotate-key").get_attribute("value") == new_key_id
    portal.click("#rotate")
    assert "rotated" in portal.notice() and portal.text("#key-identifier") == new_key_id
    assert portal.text("#key-accessible") == "Yes"
    portal.shot("rotated")
    assert pull().returncode == 0

    # Revoke: remove the identity's access policy; the Encryption page shows it within 2 s of a reload.
    portal.go("/portal/groups/PortalSeedRG/vaults/portalvault1/access-policies")
    portal.click(f"tr[data-object-id='{principal_id}'] button.danger")
    assert "removed" in portal.notice()
    seconds = wait_for(lambda: encryption_state(portal, encryption_path)[0], "No", limit=2.0)
    _, reason = encryption_state(portal, encryption_path)
    assert reason, "the page names why the key is not accessible"
    portal.shot("revoked")
    failed = pull()
    assert failed.returncode != 0 and ("denied" in failed.stderr.lower() or "not accessible" in failed.stderr), failed.stderr
    print(f"revocation shown after {seconds:.2f} s")

    # Restore: the policy again; accessible, and a pull works.
    portal.go("/portal/groups/PortalSeedRG/vaults/portalvault1/access-policies")
    add_access_policy(portal, "portalidentity")
    wait_for(lambda: encryption_state(portal, encryption_path)[0], "Yes", limit=2.0)
    portal.shot("restored")
    assert pull().returncode == 0

    # The vault's audit log shows the identity's key use and a chain that verifies.
    portal.go("/portal/groups/PortalSeedRG/vaults/portalvault1/audit?caller=portalidentity")
    assert "intact" in portal.text("#audit-verification")
    entries = portal.text("#audit-entries")
    assert "KeyWrap" in entries and "KeyUnwrap" in entries and "portalidentity" in entries, entries
    portal.shot("audit")

    # A phone-sized window: the same page, one column.
    portal.driver.set_window_size(390, 844)
    portal.go(encryption_path)
    assert portal.driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
    portal.shot("encryption-390x844")




# Who may see what, form tokens, the session cookie, users made by az and by kura.

def http_sign_in(kura, user_principal_name, password):
    """Signs in to the portal with requests (the browser's redirects by hand); returns (session, the last answer)."""
    base = f"https://localhost:{kura.port}"
    session = requests.Session()
    session.verify = kura.ca_file
    session.trust_env = False
    start = session.get(base + "/portal/", allow_redirects=False)
    assert start.status_code == 303 and "/oauth2/v2.0/authorize?" in start.headers["Location"], start.headers
    authorize = urljoin(base, start.headers["Location"])
    page = session.get(authorize)
    fields = {name: html.unescape(value) for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)}
    answer = session.post(authorize, data={**fields, "login": user_principal_name, "passwd": password}, allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(base + "/portal/signin?"), answer.text
    finished = session.get(answer.headers["Location"], allow_redirects=False)
    assert finished.status_code == 303 and finished.headers["Location"] == "/portal/", finished.text
    return session, finished


def form_token(session, kura, path="/portal/new-group"):
    page = session.get(f"https://localhost:{kura.port}{path}")
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def kura_cli(kura, tmp_path, *args):
    config = str(tmp_path / "kura-config")
    env = dict(os.environ, KURA_CONFIG_DIR=config)
    if not os.path.exists(config):
        logged_in = subprocess.run([kura_binary(), "login", "--local", "--data-dir", kura.data_dir, "--server", f"https://localhost:{kura.port}"],
                                   capture_output=True, text=True, env=env, timeout=120)
        assert logged_in.returncode == 0, logged_in.stderr
    return subprocess.run([kura_binary(), *args], capture_output=True, text=True, env=env, timeout=120)


def test_a_user_without_roles_sees_no_resources_and_no_create_buttons(kura, browser, tmp_path):
    made = kura_cli(kura, tmp_path, "group", "create", "--name", "PortalHiddenRG", "--location", "japaneast")
    assert made.returncode == 0, made.stderr
    user = kura_cli(kura, tmp_path, "ad", "user", "create", "--display-name", "Nora Norole", "--password", "Sesame-Street-7",
                    "--user-principal-name", "nora@kura.local")
    assert user.returncode == 0, user.stderr
    portal = browser
    portal.sign_in("nora@kura.local", "Sesame-Street-7")
    assert portal.text("[data-testid=signed-in-user]") == "Nora Norole"
    assert portal.finds("#no-resources") and portal.finds("#no-create")
    assert "PortalHiddenRG" not in portal.driver.page_source
    assert not portal.finds("a.button[href^='/portal/'][href$='/new']"), "no create button"
    portal.shot("no-roles-home")
    # A page reached by its address answers ARM's refusal, nothing of the group.
    portal.go("/portal/groups/PortalHiddenRG")
    assert "does not have authorization" in portal.text("#error-message")
    assert "japaneast" not in portal.driver.page_source
    portal.shot("no-roles-refused")

    # The principal picker lists the directory to no one ARM would not let write the policy.
    session, _ = http_sign_in(kura, "nora@kura.local", "Sesame-Street-7")
    token = form_token(session, kura, "/portal/")
    base = f"https://localhost:{kura.port}/portal/groups/PortalHiddenRG/vaults/anyvault/access-policies/new"
    searched = session.post(base, data={"csrf": token, "action": "search", "search": "a"})
    assert searched.status_code in (403, 404) and "admin@kura.local" not in searched.text, searched.text

    # Reader on a registry manages it but reads none of its content, as the registry plane says.
    made = kura_cli(kura, tmp_path, "acr", "create", "--resource-group", "PortalHiddenRG", "--name", "portalreaderreg", "--sku", "Basic")
    assert made.returncode == 0, made.stderr
    registry_id = json.loads(made.stdout)["id"]
    assigned = kura_cli(kura, tmp_path, "role", "assignment", "create", "--assignee", "nora@kura.local", "--role", "Reader", "--scope", registry_id)
    assert assigned.returncode == 0, assigned.stderr
    portal.go("/portal/groups/PortalHiddenRG/registries/portalreaderreg")
    assert portal.heading() == "portalreaderreg"
    portal.click_link("Repositories")
    assert "Reader manages a registry but reads none of its content" in portal.text("#error-message")
    portal.shot("reader-repositories-refused")


def test_forms_need_this_sessions_token_and_the_cookie_is_host_only_secure_httponly_lax(kura, tmp_path):
    creds = admin(kura)["user"]
    first, signed_in = http_sign_in(kura, creds["userPrincipalName"], creds["password"])
    second, _ = http_sign_in(kura, creds["userPrincipalName"], creds["password"])
    cookie = signed_in.headers["Set-Cookie"]
    session_cookie = next(part for part in re.split(r",\s*(?=__Host-)", cookie) if part.startswith("__Host-kura-session="))
    attributes = [attribute.strip().lower() for attribute in session_cookie.split(";")[1:]]
    assert {"path=/", "secure", "httponly", "samesite=lax"} <= set(attributes), session_cookie
    assert not any(attribute.startswith("domain") for attribute in attributes), session_cookie

    url = f"https://localhost:{kura.port}/portal/groups"
    group = {"name": "PortalCsrfRG", "location": "japaneast"}
    without = first.post(url, data=group, allow_redirects=False)
    assert without.status_code == 403 and "form token" in without.text
    foreign = first.post(url, data={**group, "csrf": form_token(second, kura)}, allow_redirects=False)
    assert foreign.status_code == 403
    own = form_token(first, kura)
    elsewhere = first.post(url, data={**group, "csrf": own}, headers={"Origin": "https://evil.example"}, allow_redirects=False)
    assert elsewhere.status_code == 403
    anonymous = requests.post(url, data={**group, "csrf": own}, verify=kura.ca_file, allow_redirects=False)
    assert anonymous.status_code == 403
    listed = first.get(f"https://localhost:{kura.port}/portal/?search=PortalCsrfRG")
    assert 'href="/portal/groups/PortalCsrfRG"' not in listed.text and "No resource groups match" in listed.text, "no refused form changed anything"
    accepted = first.post(url, data={**group, "csrf": own}, allow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["Location"] == "/portal/groups/PortalCsrfRG"

    # Names that need percent-encoding: their pages open, and the CLI (through ARM) finds them.
    for name in ("grp(1)", "日本語グループ"):
        made = first.post(url, data={"name": name, "location": "japaneast", "csrf": own})
        assert made.status_code == 200 and f"<h1>{name}</h1>" in made.text, made.text
        shown = kura_cli(kura, tmp_path, "group", "show", "--name", name, "--query", "name", "-o", "tsv")
        assert shown.returncode == 0 and shown.stdout.strip() == name, shown.stderr
    # A name never becomes more of the path (the CLI encodes it): none of these reaches PortalCsrfRG.
    for name in ("PortalCsrfRG/providers/Microsoft.KeyVault/vaults/x", "PortalCsrf%52G", "PortalCsrfRG?api-version=2022-09-01#"):
        kura_cli(kura, tmp_path, "group", "delete", "--name", name, "--yes")
        assert kura_cli(kura, tmp_path, "group", "show", "--name", "PortalCsrfRG").returncode == 0, name

    # Sign-out ends the session: its cookie no longer opens a page.
    signed_out = first.post(f"https://localhost:{kura.port}/portal/signout", data={"csrf": own}, allow_redirects=False)
    assert signed_out.status_code == 303
    again = requests.get(f"https://localhost:{kura.port}/portal/", cookies={"__Host-kura-session": session_cookie.split(";")[0].split("=", 1)[1]},
                         verify=kura.ca_file, allow_redirects=False)
    assert again.status_code == 303 and "/oauth2/v2.0/authorize?" in again.headers["Location"]


def test_users_made_by_az_and_by_kura_sign_in_to_the_portal(kura, browser, tmp_path):
    creds = admin(kura)
    az = Az(str(tmp_path / "az"), kura).login(creds["appId"], creds["password"], creds["tenant"])
    az.json("ad", "user", "create", "--display-name", "Carol Az", "--password", "Sesame-Street-3", "--user-principal-name", "carol@contoso.com")
    made = kura_cli(kura, tmp_path, "ad", "user", "create", "--display-name", "Dave Kura", "--password", "Sesame-Street-4",
                    "--user-principal-name", "dave@contoso.com")
    assert made.returncode == 0, made.stderr
    portal = browser
    portal.sign_in("carol@contoso.com", "Sesame-Street-3")
    assert portal.heading() == "Home" and portal.text("[data-testid=signed-in-user]") == "Carol Az"
    cookies = {cookie["name"]: cookie for cookie in portal.driver.get_cookies()}
    session_cookie = cookies["__Host-kura-session"]
    assert session_cookie["secure"] and session_cookie["httpOnly"] and session_cookie["sameSite"] == "Lax" and session_cookie["path"] == "/"
    portal.shot("az-user-home")
    portal.click(".signout button")
    assert portal.heading() == "Signed out"
    portal.sign_in("dave@contoso.com", "Sesame-Street-4")
    assert portal.text("[data-testid=signed-in-user]") == "Dave Kura"
    portal.shot("kura-user-home")


def test_the_seeds_template_deploys_from_the_portal_and_its_progress_updates_in_place(kura, browser, tmp_path):
    from test_templates import seed_template, seed_vault
    from selenium.webdriver.support.ui import WebDriverWait

    creds = admin(kura)
    az = Az(str(tmp_path / "az"), kura).login(creds["appId"], creds["password"], creds["tenant"])
    key_id = seed_vault(az, creds, "PortalTemplateRG", "portaltplvault", "tplkey")
    template = tmp_path / "CMKtemplate.json"
    template.write_text(seed_template(), encoding="utf-8")

    portal = browser
    portal.sign_in(creds["user"]["userPrincipalName"], creds["user"]["password"])
    portal.click_link("Deployments")
    portal.click("#new-deployment")
    portal.choose("#deployment-group", "PortalTemplateRG")
    portal.fill("#deployment-name", "CMKtemplate")
    portal.find("#template-file").send_keys(str(template))
    WebDriverWait(portal.driver, 30).until(lambda d: '"Microsoft.ContainerRegistry/registries"' in portal.find("#template-text").get_attribute("value"))
    portal.shot("template")
    portal.click("#next-parameters")
    labels = {label.get_attribute("for"): label.text.split(" ")[0] for label in portal.finds("label")}
    fields = {name: f"#{field}" for field, name in labels.items()}
    assert {"registry_name", "identity_name", "vault_name", "kek_id"} <= set(fields), labels
    for name, value in (("registry_name", "portaltplregistry"), ("identity_name", "portaltplidentity"), ("vault_name", "portaltplvault"),
                        ("kek_id", key_id)):
        portal.fill(fields[name], value)
    portal.shot("parameters")
    portal.click("#deploy")
    assert portal.heading() == "CMKtemplate" and "started" in portal.notice()
    # The page follows the deployment: while it runs, its script fetches the status section again
    # (a reload shows the same without script).
    WebDriverWait(portal.driver, 60).until(lambda d: portal.text("#deployment-state") in ("Succeeded", "Failed"))
    assert portal.text("#deployment-state") == "Succeeded", portal.text("#deployment-status")
    assert "portaltplregistry" in portal.text("#operations")
    portal.shot("deployment-succeeded")
    # Every page now carries the session's notifications, filled in by the page's script.
    portal.go("/portal/")
    WebDriverWait(portal.driver, 30).until(lambda d: "Succeeded" in portal.text("#notifications"))
    assert "Deployment 'CMKtemplate' to 'PortalTemplateRG': Succeeded" in portal.text("#notifications")
    portal.shot("notifications")
    portal.go("/portal/groups/PortalTemplateRG/registries/portaltplregistry/encryption")
    assert portal.text("#cmk-status") == "Enabled" and portal.text("#key-identifier") == key_id and portal.text("#key-accessible") == "Yes"
    portal.shot("template-registry-encryption")


def test_key_lifecycle_access_control_and_deletions_through_the_portals_forms(kura, tmp_path):
    """The rest of the pages' forms, posted as the browser posts them: a key's versions, disable,
    delete, recover, purge (refused under purge protection, in Key Vault's words); a registry's
    role assignments; a repository and a group deleted only when their name is typed."""
    creds = admin(kura)
    session, _ = http_sign_in(kura, creds["user"]["userPrincipalName"], creds["user"]["password"])
    base = f"https://localhost:{kura.port}"
    token = form_token(session, kura)

    def post(path, **fields):
        return session.post(base + path, data={"csrf": token, **fields}, allow_redirects=False)

    assert post("/portal/groups", name="PortalFormsRG", location="japaneast").status_code == 303
    assert post("/portal/vaults", name="portalformsvault", group="PortalFormsRG", location="japaneast", retention="7",
                purgeProtection="on").status_code == 303
    keys = "/portal/groups/PortalFormsRG/vaults/portalformsvault"
    assert post(keys + "/keys", name="formkey", kty="RSA", size="2048", curve="P-256", enabled="yes").status_code == 303
    refused = post(keys + "/keys", name="bad key!", kty="RSA", size="2048", curve="P-256", enabled="yes")
    assert refused.status_code == 400 and 'id="key-name-error"' in refused.text, refused.text
    first = re.search(r'id="current-version">([0-9a-f]{32})<', session.get(base + keys + "/keys/formkey").text).group(1)
    assert post(keys + "/keys/formkey/rotate").status_code == 303
    page = session.get(base + keys + "/keys/formkey").text
    second = re.search(r'id="current-version">([0-9a-f]{32})<', page).group(1)
    assert second != first and page.count('<tr') >= 3, "both versions listed"
    assert post(keys + f"/keys/formkey/versions/{first}/enabled", enabled="false").status_code == 303
    assert re.search(rf"<code>{first}</code></td><td>Disabled", session.get(base + keys + "/keys/formkey").text)

    assert post(keys + "/keys/formkey/delete", confirm="not-it").status_code == 400
    assert post(keys + "/keys/formkey/delete", confirm="formkey").status_code == 303
    listed = session.get(base + keys + "/keys").text
    assert 'id="deleted-keys"' in listed and "formkey" in listed
    purge = post(keys + "/deleted-keys/formkey/purge", confirm="formkey")
    assert purge.status_code in (400, 403, 409) and "purge" in purge.text.lower(), purge.text
    assert post(keys + "/deleted-keys/formkey/recover").status_code == 303
    assert 'id="current-version">' + second in session.get(base + keys + "/keys/formkey").text

    # Access control (IAM) of a registry: AcrPull for a user found by name, then removed.
    made = kura_cli(kura, tmp_path, "ad", "user", "create", "--display-name", "Pat Puller", "--password", "Sesame-Street-8",
                    "--user-principal-name", "pat@contoso.com")
    assert made.returncode == 0, made.stderr
    pat = json.loads(made.stdout)["id"]
    assert kura_cli(kura, tmp_path, "acr", "create", "--resource-group", "PortalFormsRG", "--name", "portalformsreg",
                    "--sku", "Basic").returncode == 0
    iam = "/portal/groups/PortalFormsRG/registries/portalformsreg/access-control"
    found = session.get(base + iam + "?search=Pat").text
    assert f'value="{pat}"' in found
    acr_pull = re.search(r'<option value="([^"]+)"[^>]*>AcrPull<', found).group(1)
    assert post(iam + "/add", role=acr_pull, principal=pat, search="Pat").status_code == 303
    listing = session.get(base + iam).text
    assert "Pat Puller" in listing and "AcrPull" in listing
    assignment = re.search(r'name="id" value="([^"]+)"><button type="submit" class="danger" aria-label="Remove AcrPull of Pat Puller"', listing).group(1)
    assert post(iam + "/remove", id=assignment).status_code == 303
    assert "Pat Puller" not in session.get(base + iam).text

    # Deleting a group asks for its name.
    assert post("/portal/groups/PortalFormsRG/delete", confirm="PortalFormsRG-typo").status_code == 400
    assert post("/portal/groups/PortalFormsRG/delete", confirm="PortalFormsRG").status_code == 303
    assert session.get(base + "/portal/groups/PortalFormsRG").status_code == 404


def b64url_int(value):
    import base64
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_private_key_file_is_imported_as_a_jwk_converted_in_the_browser(kura, browser, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from selenium.webdriver.support.ui import WebDriverWait

    creds = admin(kura)
    session, _ = http_sign_in(kura, creds["user"]["userPrincipalName"], creds["user"]["password"])
    token = form_token(session, kura)
    base = f"https://localhost:{kura.port}"
    assert session.post(base + "/portal/groups", data={"csrf": token, "name": "PortalImportRG", "location": "japaneast"},
                        allow_redirects=False).status_code == 303
    assert session.post(base + "/portal/vaults", data={"csrf": token, "name": "portalimportvault", "group": "PortalImportRG",
                                                       "location": "japaneast", "retention": "7", "purgeProtection": "on"},
                        allow_redirects=False).status_code == 303
    vault = "/portal/groups/PortalImportRG/vaults/portalimportvault"

    # Without script: a JWK pasted into the form.
    pasted = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = pasted.private_numbers()
    jwk = {"kty": "RSA", "n": b64url_int(numbers.public_numbers.n), "e": b64url_int(numbers.public_numbers.e), "d": b64url_int(numbers.d),
           "p": b64url_int(numbers.p), "q": b64url_int(numbers.q), "dp": b64url_int(numbers.dmp1), "dq": b64url_int(numbers.dmq1),
           "qi": b64url_int(numbers.iqmp)}
    imported = session.post(base + vault + "/keys", data={"csrf": token, "option": "import", "name": "pastedkey", "jwk": json.dumps(jwk),
                                                           "enabled": "yes"}, allow_redirects=False)
    assert imported.status_code == 303, imported.text
    broken = session.post(base + vault + "/keys", data={"csrf": token, "option": "import", "name": "brokenkey",
                                                         "jwk": json.dumps({"kty": "RSA", "n": jwk["n"]}), "enabled": "yes"})
    assert broken.status_code == 400 and 'id="key-jwk-error"' in broken.text and "JWK" in broken.text, broken.text

    # With script: a PKCS#1 PEM file, converted to a JWK in the browser (WebCrypto) before it is sent.
    chosen = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "key.pem"
    pem.write_bytes(chosen.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                         serialization.NoEncryption()))
    assert pem.read_text().startswith("-----BEGIN RSA PRIVATE KEY-----")
    portal = browser
    portal.sign_in(creds["user"]["userPrincipalName"], creds["user"]["password"], path=vault + "/keys")
    portal.click("#generate-key")
    portal.fill("#key-name", "importedkey")
    portal.find("#key-file").send_keys(str(pem))
    WebDriverWait(portal.driver, 30).until(lambda d: portal.find("#key-jwk").get_attribute("value").startswith("{"))
    converted = json.loads(portal.find("#key-jwk").get_attribute("value"))
    assert converted["n"] == b64url_int(chosen.private_numbers().public_numbers.n)
    assert converted["d"] == b64url_int(chosen.private_numbers().d)
    assert portal.selected_value("#key-options") == "import"
    portal.shot("import-form")
    portal.click("#create")
    assert portal.heading() == "importedkey" and portal.text("#key-identifier").endswith("/keys/importedkey/" + portal.text("#current-version"))
    portal.shot("imported")
