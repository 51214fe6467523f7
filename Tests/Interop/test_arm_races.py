"""Issue 13, point 9: concurrent ARM creates of one name have one winner, and the losers leave
the winner intact (its ARM resource and its registry record); If-Match / If-None-Match hold."""
import base64
import threading
import uuid

import requests

from test_login import installation
from test_registry_aad import management_token


def session():
    s = requests.Session()
    s.trust_env = False
    return s


def test_twenty_concurrent_creates_of_one_registry_leave_one_whole_registry(kura):
    subscription = installation(kura)["subscriptionId"]
    token = management_token(kura)
    headers = {"Authorization": "Bearer " + token}
    group = f"/subscriptions/{subscription}/resourceGroups/race{uuid.uuid4().hex[:6]}"
    assert session().put(f"https://localhost:{kura.port}{group}?api-version=2024-11-01", json={"location": "eastus"},
                         headers=headers, verify=kura.ca_file).status_code in (200, 201)
    for round_number in range(10):
        name = f"race{uuid.uuid4().hex[:8]}"
        url = f"https://localhost:{kura.port}{group}/providers/Microsoft.ContainerRegistry/registries/{name}?api-version=2023-07-01"
        barrier = threading.Barrier(20)
        results = []

        def create(admin_enabled):
            barrier.wait()
            r = session().put(url, json={"location": "eastus", "sku": {"name": "Standard"}, "identity": {"type": "SystemAssigned"},
                                         "properties": {"adminUserEnabled": admin_enabled}},
                              headers=headers, verify=kura.ca_file, timeout=60)
            results.append((r.status_code, r.text))

        threads = [threading.Thread(target=create, args=(True,)) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        codes = sorted(code for code, _ in results)
        assert len(results) == 20
        assert all(code in (200, 201, 409) for code in codes), (codes, [text[:300] for code, text in results if code not in (200, 201, 409)])
        assert codes.count(201) == 1, codes
        for code, text in results:
            assert code != 500, text

        # The winner is whole: its ARM resource, its login server and its admin credentials.
        shown = session().get(url, headers=headers, verify=kura.ca_file)
        assert shown.status_code == 200, (round_number, shown.text)
        credentials = session().post(url.replace("?", "/listCredentials?"), headers=headers, verify=kura.ca_file)
        assert credentials.status_code == 200, (round_number, credentials.text)
        login = credentials.json()
        basic = base64.b64encode(f"{login['username']}:{login['passwords'][0]['value']}".encode()).decode()
        served = session().get(f"https://{name}.cr.localhost:{kura.port}/v2/", headers={"Authorization": "Basic " + basic},
                               verify=kura.ca_file)
        assert served.status_code == 200, (round_number, served.text)


def test_if_none_match_and_if_match_guard_writes(kura):
    subscription = installation(kura)["subscriptionId"]
    headers = {"Authorization": "Bearer " + management_token(kura)}
    group = f"/subscriptions/{subscription}/resourceGroups/etag{uuid.uuid4().hex[:6]}"
    base = f"https://localhost:{kura.port}"
    assert session().put(f"{base}{group}?api-version=2024-11-01", json={"location": "eastus"}, headers=headers,
                         verify=kura.ca_file).status_code in (200, 201)
    url = f"{base}{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/etagid?api-version=2024-11-30"
    created = session().put(url, json={"location": "eastus"}, headers={**headers, "If-None-Match": "*"}, verify=kura.ca_file)
    assert created.status_code == 201, created.text
    etag = created.headers["ETag"]
    again = session().put(url, json={"location": "eastus"}, headers={**headers, "If-None-Match": "*"}, verify=kura.ca_file)
    assert again.status_code == 412 and again.json()["error"]["code"] == "PreconditionFailed", again.text
    stale = session().put(url, json={"location": "eastus", "tags": {"a": "1"}}, headers={**headers, "If-Match": '"0"'},
                          verify=kura.ca_file)
    assert stale.status_code == 412, stale.text
    fresh = session().put(url, json={"location": "eastus", "tags": {"a": "2"}}, headers={**headers, "If-Match": etag},
                          verify=kura.ca_file)
    assert fresh.status_code == 200 and fresh.json()["tags"] == {"a": "2"}, fresh.text
    assert fresh.headers["ETag"] != etag
    reused = session().put(url, json={"location": "eastus", "tags": {"a": "3"}}, headers={**headers, "If-Match": etag},
                           verify=kura.ca_file)
    assert reused.status_code == 412, "an ETag is good for one write"
    assert session().get(url, headers=headers, verify=kura.ca_file).json()["tags"] == {"a": "2"}
    missing = session().put(url.replace("etagid", "nosuchid"), json={"location": "eastus"}, headers={**headers, "If-Match": "*"},
                            verify=kura.ca_file)
    assert missing.status_code == 412, missing.text


def nested(depth):
    """A JSON value `depth` arrays deep."""
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_a_deeply_nested_body_is_refused_and_what_is_accepted_reads_back_wrapped(kura):
    """A request body may nest 64 levels; what the server stores from it — a deleted vault wraps its
    vault two levels deeper — must always read back, so the deleted vaults stay listable."""
    install = installation(kura)
    subscription, tenant = install["subscriptionId"], install["tenantId"]
    headers = {"Authorization": "Bearer " + management_token(kura)}
    base = f"https://localhost:{kura.port}"
    group = f"/subscriptions/{subscription}/resourceGroups/deep{uuid.uuid4().hex[:6]}"
    assert session().put(f"{base}{group}?api-version=2024-11-01", json={"location": "eastus"}, headers=headers,
                         verify=kura.ca_file).status_code in (200, 201)

    def vault(name, acls):
        return session().put(f"{base}{group}/providers/Microsoft.KeyVault/vaults/{name}?api-version=2026-02-01", headers=headers,
                             json={"location": "eastus", "properties": {"tenantId": tenant, "sku": {"family": "A", "name": "standard"},
                                                                        "accessPolicies": [], "networkAcls": {"ipRules": acls}}},
                             verify=kura.ca_file)

    name = f"deep{uuid.uuid4().hex[:8]}"
    refused = vault(name, nested(70))
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "InvalidRequestContent", refused.text
    assert "nested deeper than 64" in refused.json()["error"]["message"], refused.text
    accepted = vault(name, nested(58))
    assert accepted.status_code in (200, 201), accepted.text
    assert session().delete(f"{base}{group}/providers/Microsoft.KeyVault/vaults/{name}?api-version=2026-02-01", headers=headers,
                            verify=kura.ca_file).status_code == 200
    listed = session().get(f"{base}/subscriptions/{subscription}/providers/Microsoft.KeyVault/deletedVaults?api-version=2026-02-01",
                           headers=headers, verify=kura.ca_file)
    assert listed.status_code == 200, listed.text
    assert name in [item["name"] for item in listed.json()["value"]]
    everything = session().get(f"{base}/subscriptions/{subscription}/resources?api-version=2024-11-01", headers=headers, verify=kura.ca_file)
    assert everything.status_code == 200, everything.text
