"""Issue 16 (begun): a user signs in with the authorization code flow and PKCE — driven by MSAL
(the library under azure-identity and az), through kura's sign-in page."""
import html
import re
from urllib.parse import parse_qsl, urlparse

import msal
import requests

from test_login import admin, claims, installation

AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
REDIRECT = "http://localhost:8400"


def sign_in_form(session, url):
    page = session.get(url)
    assert page.status_code == 200 and 'name="passwd"' in page.text, page.text
    assert page.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "<script" not in page.text
    return page, {name: html.unescape(value) for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)}


def test_msal_signs_the_admin_user_in_with_the_code_flow_and_pkce(kura):
    creds = admin(kura)
    user = creds["user"]
    session = requests.Session()
    session.verify = kura.ca_file
    session.trust_env = False  # else REQUESTS_CA_BUNDLE, when set, overrides the session's CA
    app = msal.PublicClientApplication(AZURE_CLI, authority=f"https://localhost:{kura.port}/{creds['tenant']}", http_client=session,
                                       instance_discovery=False)
    flow = app.initiate_auth_code_flow([f"https://management.localhost//.default"], redirect_uri=REDIRECT)
    endpoint = flow["auth_uri"].split("?")[0]

    # A wrong password: the form again, with Entra ID's message; no redirect.
    _, fields = sign_in_form(session, flow["auth_uri"])
    wrong = session.post(endpoint, data={**fields, "login": user["userPrincipalName"], "passwd": "not-it"}, allow_redirects=False)
    assert wrong.status_code == 200 and "AADSTS50126" in wrong.text and 'name="passwd"' in wrong.text

    answer = session.post(endpoint, data={**fields, "login": user["userPrincipalName"], "passwd": user["password"]}, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    auth_response = dict(parse_qsl(urlparse(location).query))
    assert auth_response["state"] == flow["state"]
    result = app.acquire_token_by_auth_code_flow(flow, auth_response)
    assert "access_token" in result, result
    token = claims(result["access_token"])
    assert token["oid"] == user["objectId"] and token["appid"] == AZURE_CLI and token["aud"] == "https://management.localhost/"
    assert token["idtyp"] == "user" and token["upn"] == user["userPrincipalName"] and token["scp"] == "user_impersonation", token
    assert isinstance(token["iat"], int) and isinstance(token["exp"], int)

    # The user is Owner: ARM answers it.
    subscription = installation(kura)["subscriptionId"]
    groups = session.get(f"https://localhost:{kura.port}/subscriptions/{subscription}/resourcegroups?api-version=2022-09-01",
                         headers={"Authorization": "Bearer " + result["access_token"]})
    assert groups.status_code == 200, groups.text

    # A Graph token for the user: /v1.0/me answers the user (an application's token has no "me").
    graph_flow = app.initiate_auth_code_flow([f"https://localhost:{kura.port}/.default"], redirect_uri=REDIRECT)
    _, graph_fields = sign_in_form(session, graph_flow["auth_uri"])
    graph_answer = session.post(endpoint, data={**graph_fields, "login": user["userPrincipalName"], "passwd": user["password"]},
                                allow_redirects=False)
    graph_result = app.acquire_token_by_auth_code_flow(graph_flow, dict(parse_qsl(urlparse(graph_answer.headers["Location"]).query)))
    me = session.get(f"https://localhost:{kura.port}/v1.0/me", headers={"Authorization": "Bearer " + graph_result["access_token"]})
    assert me.status_code == 200 and me.json()["userPrincipalName"] == user["userPrincipalName"], me.text

    # A code is used once.
    again = session.post(f"https://localhost:{kura.port}/{creds['tenant']}/oauth2/v2.0/token",
                         data={"grant_type": "authorization_code", "client_id": AZURE_CLI, "code": auth_response["code"],
                               "redirect_uri": REDIRECT, "code_verifier": flow["code_verifier"]})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_the_authorize_endpoint_refuses_what_entra_id_refuses(kura):
    creds = admin(kura)
    base = f"https://localhost:{kura.port}/{creds['tenant']}/oauth2/v2.0/authorize"
    good = {"client_id": AZURE_CLI, "redirect_uri": REDIRECT, "response_type": "code", "scope": "openid",
            "code_challenge": "x" * 43, "code_challenge_method": "S256", "state": "s"}
    cases = [({"redirect_uri": "https://evil.example/cb"}, "AADSTS50011"), ({"client_id": "00000000-0000-0000-0000-000000000000"}, "AADSTS700016"),
             ({"scope": "https://evil.example/.default"}, "AADSTS70011"), ({"code_challenge": "!" * 43}, "Proof Key for Code Exchange"),
             ({"redirect_uri": "http://user:pw@localhost:8400"}, "AADSTS50011"),
             ({"code_challenge": None}, "Proof Key for Code Exchange is required"), ({"code_challenge_method": "plain"}, "Proof Key for Code Exchange"),
             ({"response_type": "token"}, "response_type")]
    for change, expected in cases:
        asked = {k: v for k, v in {**good, **change}.items() if v is not None}
        for answer in (requests.get(base, params=asked, verify=kura.ca_file, allow_redirects=False),
                       requests.post(base, data={**asked, "login": creds["user"]["userPrincipalName"], "passwd": creds["user"]["password"]},
                                     verify=kura.ca_file, allow_redirects=False)):
            assert answer.status_code == 400 and "Location" not in answer.headers, (change, answer.status_code)
            assert expected in html.unescape(answer.text), (change, answer.text)
    # Text from the request is escaped on the page.
    shown = requests.get(base, params={**good, "state": '"><script>alert(1)</script>'}, verify=kura.ca_file)
    assert "<script>" not in shown.text and "&quot;&gt;&lt;script&gt;" in shown.text
