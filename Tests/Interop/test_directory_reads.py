"""Directory reads as Azure allows them (issue 13, point 4): a principal reads itself through Graph and
what its roles let it read; listing the directory needs Owner of the subscription (kura's stand-in
for a directory role); ARM shows a principal only the subscriptions where it holds a role; Graph
answers a body that is not JSON with 400 in its own error format.

Plain REST with `requests` (tokens from the login plane's token endpoint), and az for the flows az
runs: `az role assignment create --assignee <appId>` (the admin's Graph lookup) and `az keyvault
create` by a non-admin principal (Graph lookup of its own object id)."""
import json
import os
import uuid
from urllib.parse import quote

import requests

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"


def session():
    s = requests.Session()
    s.trust_env = False
    return s


def main_url(server):
    return f"https://localhost:{server.port}"


def admin(server):
    with open(os.path.join(server.data_dir, "admin-credentials.json")) as f:
        return json.load(f)


def subscription_id(server):
    with open(os.path.join(server.data_dir, "installation.json")) as f:
        return json.load(f)["subscriptionId"]


def management_scope(server):
    return "https://management.localhost//.default"


def graph_scope(server):
    return f"https://localhost:{server.port}/.default"


def vault_scope(server):
    return f"https://vault.localhost:{server.port}/.default"


def token(server, principal, scope):
    """A client-credentials token for `principal` ({"appId", "password"}) and `scope`."""
    reply = session().post(f"{main_url(server)}/{admin(server)['tenant']}/oauth2/v2.0/token",
                           data={"grant_type": "client_credentials", "client_id": principal["appId"],
                                 "client_secret": principal["password"], "scope": scope},
                           verify=server.ca_file, timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()["access_token"]


def call(server, bearer, method, path, api_version=None, **kwargs):
    params = kwargs.pop("params", {})
    if api_version:
        params["api-version"] = api_version
    headers = kwargs.pop("headers", {})
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    return session().request(method, f"{main_url(server)}{path}", params=params, headers=headers, verify=server.ca_file,
                             timeout=60, **kwargs)


def owner_token(server):
    return token(server, admin(server), management_scope(server))


def new_principal(server, name):
    reply = call(server, owner_token(server), "POST", "/directory/v1/servicePrincipals", json={"displayName": name})
    assert reply.status_code == 201, reply.text
    return reply.json()


def new_group(server, name):
    path = f"/subscriptions/{subscription_id(server)}/resourcegroups/{name}"
    reply = call(server, owner_token(server), "PUT", path, "2022-09-01", json={"location": "eastus"})
    assert reply.status_code in (200, 201), reply.text
    return path


def assign(server, principal_id, role, scope):
    definition = f"/subscriptions/{subscription_id(server)}/providers/Microsoft.Authorization/roleDefinitions/{role}"
    reply = call(server, owner_token(server), "PUT", f"{scope}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}",
                 "2022-04-01", json={"properties": {"roleDefinitionId": definition, "principalId": principal_id,
                                                    "principalType": "ServicePrincipal"}})
    assert reply.status_code in (200, 201), reply.text


def graph_error(reply, status, code):
    """Asserts a Graph error: status, `error.code`, and Graph's `innerError` with a request id."""
    assert reply.status_code == status, reply.text
    error = reply.json()["error"]
    assert error["code"] == code, reply.text
    assert error["innerError"]["request-id"], reply.text
    return error


def test_graph_lists_the_directory_only_for_an_owner_and_a_principal_reads_itself(kura):
    stranger = new_principal(kura, "graph-stranger")
    boss = admin(kura)
    mine, owners = token(kura, stranger, graph_scope(kura)), token(kura, boss, graph_scope(kura))

    listed = call(kura, mine, "GET", "/v1.0/servicePrincipals")
    graph_error(listed, 403, "Authorization_RequestDenied")
    assert boss["appId"] not in listed.text and boss["objectId"] not in listed.text

    def by_app(bearer, app_id):
        # `$filter` spelled as az sends it (the key unencoded, the value percent-encoded).
        return call(kura, bearer, "GET", "/v1.0/servicePrincipals?$filter=" + quote(f"servicePrincipalNames/any(c:c eq '{app_id}')", safe=""))
    itself = by_app(mine, stranger["appId"])
    assert itself.status_code == 200, itself.text
    assert [p["id"] for p in itself.json()["value"]] == [stranger["objectId"]], "az keyvault create finds its caller this way"
    other = by_app(mine, boss["appId"])
    graph_error(other, 403, "Authorization_RequestDenied")
    assert boss["objectId"] not in other.text

    assert call(kura, mine, "GET", f"/v1.0/servicePrincipals/{stranger['objectId']}").json()["appId"] == stranger["appId"]
    graph_error(call(kura, mine, "GET", f"/v1.0/servicePrincipals/{boss['objectId']}"), 403, "Authorization_RequestDenied")
    graph_error(call(kura, mine, "GET", f"/v1.0/servicePrincipals/{uuid.uuid4()}"), 403, "Authorization_RequestDenied")

    graph_error(call(kura, mine, "POST", "/v1.0/directoryObjects/getByIds", json={"ids": [boss["objectId"]]}),
                403, "Authorization_RequestDenied")
    graph_error(call(kura, mine, "POST", "/v1.0/directoryObjects/getByIds", json={"ids": [stranger["objectId"], boss["objectId"]]}),
                403, "Authorization_RequestDenied")
    own = call(kura, mine, "POST", "/v1.0/directoryObjects/getByIds", json={"ids": [stranger["objectId"]]})
    assert own.status_code == 200 and [p["id"] for p in own.json()["value"]] == [stranger["objectId"]]

    everyone = call(kura, owners, "GET", "/v1.0/servicePrincipals")
    assert everyone.status_code == 200, everyone.text
    assert {boss["objectId"], stranger["objectId"]} <= {p["id"] for p in everyone.json()["value"]}
    assert by_app(owners, stranger["appId"]).json()["value"][0]["id"] == stranger["objectId"]
    assert call(kura, owners, "GET", f"/v1.0/servicePrincipals/{stranger['objectId']}").status_code == 200
    graph_error(call(kura, owners, "GET", f"/v1.0/servicePrincipals/{uuid.uuid4()}"), 404, "Request_ResourceNotFound")
    both = call(kura, owners, "POST", "/v1.0/directoryObjects/getByIds", json={"ids": [stranger["objectId"], boss["objectId"]]})
    assert both.status_code == 200 and {p["id"] for p in both.json()["value"]} == {stranger["objectId"], boss["objectId"]}


def test_a_reader_of_the_subscription_cannot_list_the_directory(kura):
    reader = new_principal(kura, "graph-subscription-reader")
    assign(kura, reader["objectId"], READER, f"/subscriptions/{subscription_id(kura)}")
    graph_error(call(kura, token(kura, reader, graph_scope(kura)), "GET", "/v1.0/servicePrincipals"), 403, "Authorization_RequestDenied")


def test_getbyids_answers_400_in_graphs_format_to_a_body_that_is_not_json(kura):
    owners = token(kura, admin(kura), graph_scope(kura))
    for body in (b"{not json", b'{"ids": ["unterminated', b"\xff\xfe"):
        reply = call(kura, owners, "POST", "/v1.0/directoryObjects/getByIds", data=body, headers={"Content-Type": "application/json"})
        graph_error(reply, 400, "BadRequest")
    graph_error(call(kura, owners, "POST", "/v1.0/directoryObjects/getByIds", data=b"", headers={"Content-Type": "application/json"}),
                400, "BadRequest")
    for body in ({"ids": "not-an-array"}, {"types": ["servicePrincipal"]}, {"ids": [1, 2]}, ["ids"]):
        graph_error(call(kura, owners, "POST", "/v1.0/directoryObjects/getByIds", json=body), 400, "Request_BadRequest")
    graph_error(call(kura, owners, "POST", "/v1.0/directoryObjects/getByIds", json={"ids": [str(uuid.uuid4())] * 1001}),
                400, "Request_BadRequest")
    fine = call(kura, owners, "POST", "/v1.0/directoryObjects/getByIds", json={"ids": [admin(kura)["objectId"]]})
    assert fine.status_code == 200 and fine.json()["value"][0]["appId"] == admin(kura)["appId"]


def test_arm_shows_a_subscription_only_to_a_principal_with_a_role_in_it(kura):
    subscription = subscription_id(kura)
    stranger = new_principal(kura, "arm-stranger")
    mine = token(kura, stranger, management_scope(kura))
    listed = call(kura, mine, "GET", "/subscriptions", "2022-12-01")
    assert listed.status_code == 200 and listed.json()["value"] == [], listed.text
    hidden = call(kura, mine, "GET", f"/subscriptions/{subscription}", "2022-12-01")
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "SubscriptionNotFound", hidden.text
    assert call(kura, mine, "GET", f"/subscriptions/{uuid.uuid4()}", "2022-12-01").status_code == 404, "the same answer as for no such id"

    group = new_group(kura, "DirectoryReadsRg")
    assign(kura, stranger["objectId"], READER, group)
    listed = call(kura, mine, "GET", "/subscriptions", "2022-12-01")
    assert [s["subscriptionId"] for s in listed.json()["value"]] == [subscription], "a role on a group shows its subscription"
    assert call(kura, mine, "GET", f"/subscriptions/{subscription}", "2022-12-01").json()["subscriptionId"] == subscription

    owners = owner_token(kura)
    assert [s["subscriptionId"] for s in call(kura, owners, "GET", "/subscriptions", "2022-12-01").json()["value"]] == [subscription]


def test_az_flows_still_resolve_principals_through_graph(kura, tmp_path):
    """The admin's `az role assignment create/list --assignee <appId>` looks the principal up in Graph
    (a directory read: the admin is Owner). A Contributor logs in and `az keyvault create` gives
    the vault's first access policy to its own object id, which az finds by asking Graph for the
    service principal of its own app id (after `/me`, which answers 400 to an application)."""
    from az_cli import Az
    boss = admin(kura)
    worker = new_principal(kura, "graph-az-worker")
    subscription = f"/subscriptions/{subscription_id(kura)}"
    new_group(kura, "DirectoryAzRg")
    admin_az = Az(str(tmp_path / "admin-az"), kura).login(boss["appId"], boss["password"], boss["tenant"])
    admin_az.ok("role", "assignment", "create", "--assignee", worker["appId"], "--role", "Contributor", "--scope", subscription,
                "-o", "none")
    assigned = admin_az.json("role", "assignment", "list", "--assignee", worker["appId"], "--scope", subscription)
    assert {a["principalId"] for a in assigned} == {worker["objectId"]}

    worker_az = Az(str(tmp_path / "worker-az"), kura).login(worker["appId"], worker["password"], boss["tenant"])
    vault = worker_az.json("keyvault", "create", "-n", "kvdirself1", "-g", "DirectoryAzRg", "--enable-rbac-authorization", "false")
    assert [p["objectId"] for p in vault["properties"]["accessPolicies"]] == [worker["objectId"]]
