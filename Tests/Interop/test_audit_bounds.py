"""The vault audit log as a bounded, authenticated record (issue 13, point 3): a request without a valid
token writes nothing to the log (anyone can send one) and is counted on /metrics instead; an entry of
an authenticated request is small whatever the request's path was.

Plain REST with `requests`; the vault is made through ARM as the admin."""
import json
import re

import pytest

from test_directory_reads import admin, call, main_url, new_group, owner_token, session, token, vault_scope

VAULT = "kvbounds1"
METRIC = "kura_vault_unauthenticated_requests_total"
API = {"api-version": "7.6"}
LONG = 8000  # path characters: far above what an entry keeps, well below any header-size limit


@pytest.fixture(scope="module")
def vault(kura):
    group = new_group(kura, "AuditBoundsRg")
    boss = admin(kura)
    reply = call(kura, owner_token(kura), "PUT", f"{group}/providers/Microsoft.KeyVault/vaults/{VAULT}", "2023-07-01",
                 json={"location": "eastus",
                       "properties": {"tenantId": boss["tenant"], "sku": {"family": "A", "name": "standard"},
                                      "accessPolicies": [{"tenantId": boss["tenant"], "objectId": boss["objectId"],
                                                          "permissions": {"keys": ["all"]}}]}})
    assert reply.status_code in (200, 201), reply.text
    return f"https://{VAULT}.vault.localhost:{kura.port}"


def audit_entries(server, path=""):
    reply = call(server, owner_token(server), "GET", f"/kura/v1/vaults/{VAULT}/auditLog{path}")
    assert reply.status_code == 200, reply.text
    return reply.json()["value"] if not path else reply.json()


def unauthenticated(server):
    """The counter's value per `reason` label (0 when the metric is absent)."""
    text = session().get(f"{main_url(server)}/metrics", verify=server.ca_file, timeout=30).text
    counts = {"missing": 0.0, "invalid": 0.0}
    for line in text.splitlines():
        found = re.match(METRIC + r"(?:\{(.*)\})?\s+(\S+)$", line)
        if found:
            reason = re.search(r'reason="([^"]*)"', found.group(1) or "")
            key = reason.group(1) if reason else ""
            counts[key] = counts.get(key, 0.0) + float(found.group(2))
    return counts


def test_requests_without_a_valid_token_are_counted_not_audited(kura, vault):
    before, counted = len(audit_entries(kura)), unauthenticated(kura)
    client = session()  # one connection, as an attacker would use it
    for i in range(40):
        reply = client.get(f"{vault}/keys/{'x' * LONG}{i}", params=API, verify=kura.ca_file, timeout=30)
        assert reply.status_code == 401 and "resource=" in reply.headers.get("WWW-Authenticate", ""), reply.text[:300]
    for i in range(10):
        reply = client.post(f"{vault}/keys/k{i}/create", params=API, json={"kty": "RSA"}, verify=kura.ca_file, timeout=30,
                            headers={"Authorization": "Bearer not.a.token"})
        assert reply.status_code == 401, reply.text[:300]
    assert len(audit_entries(kura)) == before, "a request without a valid token writes nothing to the audit log"
    now = unauthenticated(kura)
    assert (now["missing"] - counted["missing"], now["invalid"] - counted["invalid"]) == (40, 10), now
    assert audit_entries(kura, "/verify")["intact"] is True


def test_an_authenticated_entry_is_bounded_whatever_the_request(kura, vault):
    last = max([e["sequence"] for e in audit_entries(kura)], default=0)
    client = session()
    headers = {"Authorization": "Bearer " + token(kura, admin(kura), vault_scope(kura))}
    nowhere = client.get(f"{vault}/{'a' * LONG}", params=API, headers=headers, verify=kura.ca_file, timeout=30)
    assert nowhere.status_code == 404, nowhere.text[:300]
    named = client.get(f"{vault}/keys/{'k' * LONG}", params=API, headers=headers, verify=kura.ca_file, timeout=30)
    assert named.status_code in (400, 404), named.text[:300]
    created = client.post(f"{vault}/keys/boundedkey/create", params=API, headers=headers, json={"kty": "EC", "crv": "P-256"},
                          verify=kura.ca_file, timeout=30)
    assert created.status_code == 200, created.text

    entries = [e for e in audit_entries(kura) if e["sequence"] > last]
    assert [e["resultCode"] for e in entries] == [404, named.status_code, 200], "authenticated requests are audited, refused ones too"
    assert all(e["callerObjectId"] == admin(kura)["objectId"] for e in entries)
    for entry in entries:
        assert len(json.dumps(entry, ensure_ascii=False).encode()) < 2048, entry
        assert len(entry["operation"].encode()) <= 512 and len((entry.get("keyName") or "").encode()) <= 256, entry
    unknown, key, ok = entries
    assert unknown["operation"].startswith("GET /aaaa") and unknown["operation"].endswith("\u2026"), "a cut path says it was cut"
    assert key["operation"] == "KeyGet" and key["keyName"].startswith("kkkk") and key["keyName"].endswith("\u2026")
    assert (ok["operation"], ok["keyName"]) == ("KeyCreate", "boundedkey") and ok["keyVersion"], "short values are kept whole"
    assert audit_entries(kura, "/verify")["intact"] is True
