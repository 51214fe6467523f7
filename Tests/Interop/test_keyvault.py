"""The Key Vault plane with the real azure-keyvault-keys SDK, azure-identity and az: keys, versions,
soft delete, backup/restore, crypto bit-compatible with the SDK's local crypto, access policies,
the audit log, and no private key byte on disk."""
import base64
import glob
import hashlib
import json
import os
import sqlite3

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.identity import ClientSecretCredential
from azure.keyvault.keys import KeyClient
from azure.keyvault.keys.crypto import CryptographyClient, EncryptionAlgorithm, KeyWrapAlgorithm, SignatureAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from az_cli import Az
from test_login import admin, credential
from test_registry_aad import create_principal, management_token


@pytest.fixture(scope="module")
def arm(kura, tmp_path_factory):
    creds = admin(kura)
    az = Az(str(tmp_path_factory.mktemp("az")), kura).login(creds["appId"], creds["password"], creds["tenant"])
    az.ok("group", "create", "-n", "KeysRg", "-l", "eastus", "-o", "none")
    for name, flags in (("kvkeys1", ["--enable-purge-protection"]), ("kvloose1", []), ("kvother1", [])):
        az.ok("keyvault", "create", "-n", name, "-g", "KeysRg", *flags, "--enable-rbac-authorization", "false",
              "--no-self-perms", "-o", "none")
        az.ok("keyvault", "set-policy", "-g", "KeysRg", "-n", name, "--object-id", admin_object_id(kura),
              "--key-permissions", "all", "-o", "none")
    return az


def admin_object_id(server):
    return admin(server)["objectId"]


def vault_url(server, name):
    return f"https://{name}.vault.localhost:{server.port}"


def key_client(server, name, cred=None):
    return KeyClient(vault_url(server, name), cred or credential(server), connection_verify=server.ca_file)


def principal_credential(server, principal):
    return ClientSecretCredential(principal["tenant"], principal["appId"], principal["password"],
                                  authority=f"https://localhost:{server.port}", disable_instance_discovery=True,
                                  connection_verify=server.ca_file)


def remote(client, method, path, body):
    """A raw call on the vault (so a public-key operation runs on the server, not in the SDK)."""
    response = client.send_request(HttpRequest(method, path, json=body, params={"api-version": "7.6"}))
    return response


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_keys_are_created_read_listed_and_versioned(kura, arm):
    client = key_client(kura, "kvkeys1")
    rsa2048 = client.create_rsa_key("rsa2048", size=2048)
    rsa3072 = client.create_rsa_key("rsa3072", size=3072, key_operations=["wrapKey", "unwrapKey"])
    ec = client.create_ec_key("ecp256", curve="P-256")
    assert len(rsa2048.key.n) == 256 and len(rsa3072.key.n) == 384 and rsa3072.key_operations == ["wrapKey", "unwrapKey"]
    assert ec.key.crv == "P-256" and len(ec.key.x) == 32 and not hasattr(ec.key, "d") or ec.key.d is None
    assert rsa2048.id.startswith(f"https://kvkeys1.vault.localhost:{kura.port}/keys/rsa2048/")
    second = client.create_rsa_key("rsa2048", size=2048)
    assert client.get_key("rsa2048").id == second.id
    assert client.get_key("rsa2048", version=rsa2048.properties.version).id == rsa2048.id
    for i in range(3):
        client.rotate_key("rsa2048")
    pages = list(client.list_properties_of_key_versions("rsa2048", max_page_size=2).by_page())
    assert len(pages) >= 3 and sum(len(list(p)) for p in pages) == 5
    key_pages = list(client.list_properties_of_keys(max_page_size=2).by_page())
    names = [k.name for page in key_pages for k in page]
    assert len(key_pages) >= 2 and {"rsa2048", "rsa3072", "ecp256"} <= set(names)
    with pytest.raises(ResourceNotFoundError):
        client.get_key("nosuchkey")


def test_disabled_keys_refuse_operations_until_enabled(kura, arm):
    client = key_client(kura, "kvkeys1")
    key = client.create_rsa_key("toggled", size=2048)
    crypto = CryptographyClient(key.id, credential(kura), connection_verify=kura.ca_file)
    wrapped = crypto.wrap_key(KeyWrapAlgorithm.rsa_oaep, b"k" * 32).encrypted_key
    client.update_key_properties("toggled", enabled=False)
    assert client.get_key("toggled").properties.enabled is False
    with pytest.raises(HttpResponseError) as raised:
        crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep, wrapped)
    assert raised.value.status_code == 403 and "disabled" in raised.value.message
    client.update_key_properties("toggled", enabled=True)
    assert crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep, wrapped).key == b"k" * 32


def test_soft_delete_recover_and_purge_follow_the_vault(kura, arm):
    protected, loose = key_client(kura, "kvkeys1"), key_client(kura, "kvloose1")
    for client in (protected, loose):
        client.create_ec_key("doomed", curve="P-384")
        deleted = client.begin_delete_key("doomed").result()
        assert deleted.recovery_id.endswith("/deletedkeys/doomed") and deleted.scheduled_purge_date > deleted.deleted_date
        assert client.get_deleted_key("doomed").name == "doomed"
        with pytest.raises(ResourceExistsError):
            client.create_ec_key("doomed", curve="P-384")
    recovered = protected.begin_recover_deleted_key("doomed").result()
    assert recovered.name == "doomed" and protected.get_key("doomed").key.crv == "P-384"
    protected.begin_delete_key("doomed").wait()
    with pytest.raises(HttpResponseError) as raised:
        protected.purge_deleted_key("doomed")
    assert raised.value.status_code == 403 and "purge protection" in raised.value.message
    loose.purge_deleted_key("doomed")
    with pytest.raises(ResourceNotFoundError):
        loose.get_deleted_key("doomed")
    loose.create_ec_key("doomed", curve="P-256")  # the name is free again


def test_backup_restores_into_another_vault_and_import_keeps_only_public_parts(kura, arm):
    source, target = key_client(kura, "kvkeys1"), key_client(kura, "kvother1")
    original = source.create_rsa_key("travelling", size=2048)
    source.rotate_key("travelling")
    blob = source.backup_key("travelling")
    restored = target.restore_key_backup(blob)
    assert restored.name == "travelling" and restored.key.n == source.get_key("travelling").key.n
    assert len(list(target.list_properties_of_key_versions("travelling"))) == 2
    with pytest.raises(ResourceExistsError):
        target.restore_key_backup(blob)
    with pytest.raises(HttpResponseError) as raised:
        target.restore_key_backup(blob[:-3] + b"xyz")
    assert raised.value.status_code == 400
    crypto = CryptographyClient(restored, credential(kura), connection_verify=kura.ca_file)
    current = source.get_key("travelling")
    wrapped = CryptographyClient(current, credential(kura), connection_verify=kura.ca_file).wrap_key(KeyWrapAlgorithm.rsa_oaep_256, b"s" * 32)
    assert crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, wrapped.encrypted_key).key == b"s" * 32
    older = CryptographyClient(f"{vault_url(kura, 'kvother1')}/keys/travelling/{original.properties.version}", credential(kura),
                               connection_verify=kura.ca_file)
    wrapped = CryptographyClient(original, credential(kura), connection_verify=kura.ca_file).wrap_key(KeyWrapAlgorithm.rsa_oaep, b"o" * 32)
    assert older.unwrap_key(KeyWrapAlgorithm.rsa_oaep, wrapped.encrypted_key).key == b"o" * 32, "every version was restored"


def test_crypto_matches_the_sdks_local_crypto(kura, arm):
    client = key_client(kura, "kvkeys1")
    key = client.create_rsa_key("cryptokey", size=2048)
    local = CryptographyClient(key, credential(kura), connection_verify=kura.ca_file)  # public ops run in the SDK
    for alg in (EncryptionAlgorithm.rsa_oaep, EncryptionAlgorithm.rsa_oaep_256, EncryptionAlgorithm.rsa1_5):
        ciphertext = local.encrypt(alg, b"plaintext for " + alg.value.encode()).ciphertext
        assert local.decrypt(alg, ciphertext).plaintext == b"plaintext for " + alg.value.encode()
        served = remote(client, "POST", f"/keys/cryptokey/{key.properties.version}/encrypt", {"alg": alg.value, "value": b64url(b"served")})
        assert served.status_code == 200
        assert local.decrypt(alg, unb64url(served.json()["value"])).plaintext == b"served"
    for alg in (KeyWrapAlgorithm.rsa_oaep, KeyWrapAlgorithm.rsa_oaep_256, KeyWrapAlgorithm.rsa1_5):
        wrapped = local.wrap_key(alg, b"w" * 32).encrypted_key
        assert local.unwrap_key(alg, wrapped).key == b"w" * 32
        served = remote(client, "POST", f"/keys/cryptokey/{key.properties.version}/wrapkey", {"alg": alg.value, "value": b64url(b"x" * 32)})
        assert local.unwrap_key(alg, unb64url(served.json()["value"])).key == b"x" * 32
    digest = hashlib.sha256(b"signed content").digest()
    for alg in (SignatureAlgorithm.rs256, SignatureAlgorithm.ps256):
        signature = local.sign(alg, digest).signature
        assert local.verify(alg, digest, signature).is_valid
        checked = remote(client, "POST", f"/keys/cryptokey/{key.properties.version}/verify",
                         {"alg": alg.value, "digest": b64url(digest), "value": b64url(signature)})
        assert checked.json() == {"value": True}
        assert remote(client, "POST", f"/keys/cryptokey/{key.properties.version}/verify",
                      {"alg": alg.value, "digest": b64url(hashlib.sha256(b"other").digest()), "value": b64url(signature)}).json() == {"value": False}
    ec = client.create_ec_key("cryptoec", curve="P-256")
    ec_local = CryptographyClient(ec, credential(kura), connection_verify=kura.ca_file)
    signature = ec_local.sign(SignatureAlgorithm.es256, digest).signature
    assert len(signature) == 64 and ec_local.verify(SignatureAlgorithm.es256, digest, signature).is_valid
    short = remote(client, "POST", f"/keys/cryptokey/{key.properties.version}/sign", {"alg": "RS256", "value": b64url(b"short")})
    assert short.status_code == 400 and short.json()["error"]["code"] == "BadParameter"


def test_import_keeps_no_private_byte_on_disk(kura, arm):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = private.private_numbers()

    def b(value):
        return value.to_bytes((value.bit_length() + 7) // 8, "big")
    jwk = {"kty": "RSA", "n": b(numbers.public_numbers.n), "e": b(numbers.public_numbers.e), "d": b(numbers.d), "p": b(numbers.p),
           "q": b(numbers.q), "dp": b(numbers.dmp1), "dq": b(numbers.dmq1), "qi": b(numbers.iqmp), "key_ops": ["sign", "verify", "unwrapKey"]}
    from azure.keyvault.keys import JsonWebKey
    imported = key_client(kura, "kvkeys1").import_key("importedkey", JsonWebKey(**jwk))
    assert imported.key.n == jwk["n"] and imported.key.d is None
    crypto = CryptographyClient(imported, credential(kura), connection_verify=kura.ca_file)
    digest = hashlib.sha256(b"imported").digest()
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, utils
    private.public_key().verify(crypto.sign(SignatureAlgorithm.rs256, digest).signature, digest, padding.PKCS1v15(),
                                utils.Prehashed(hashes.SHA256()))
    needles = [private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()),
               private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
               jwk["d"], jwk["p"], jwk["q"]]
    needles += [base64.b64encode(n) for n in needles[:2]] + [b64url(n).encode() for n in needles[2:]]
    hits = []
    for path in glob.glob(os.path.join(kura.data_dir, "**"), recursive=True):
        if os.path.isfile(path):
            with open(path, "rb") as f:
                data = f.read()
            hits += [path for needle in needles if needle in data]
    assert hits == []


def test_az_creates_shows_deletes_and_recovers_keys(kura, arm):
    created = arm.json("keyvault", "key", "create", "--name", "azkey", "--vault-name", "kvkeys1")
    kid = arm.ok("keyvault", "key", "show", "--name", "azkey", "--vault-name", "kvkeys1", "--query", "key.kid", "-o", "tsv").strip()
    assert kid == created["key"]["kid"] and kid.startswith(f"https://kvkeys1.vault.localhost:{kura.port}/keys/azkey/")
    arm.ok("keyvault", "key", "delete", "--name", "azkey", "--vault-name", "kvkeys1", "-o", "none")
    assert "azkey" in arm.ok("keyvault", "key", "list-deleted", "--vault-name", "kvkeys1", "--query", "[].name", "-o", "tsv").split()
    arm.ok("keyvault", "key", "recover", "--name", "azkey", "--vault-name", "kvkeys1", "-o", "none")
    assert arm.ok("keyvault", "key", "show", "--name", "azkey", "--vault-name", "kvkeys1", "--query", "key.kid", "-o", "tsv").strip() == kid


def test_access_policies_decide_and_a_removed_policy_refuses_the_next_call(kura, arm):
    owner = key_client(kura, "kvkeys1")
    key = owner.create_rsa_key("policykey", size=2048)
    wrapper = create_principal(kura, "wrapper-only")
    arm.ok("keyvault", "set-policy", "-g", "KeysRg", "-n", "kvkeys1", "--object-id", wrapper["objectId"],
           "--key-permissions", "get", "wrapKey", "unwrapKey", "-o", "none")
    cred = principal_credential(kura, wrapper)
    limited = key_client(kura, "kvkeys1", cred)
    crypto = CryptographyClient(key.id, cred, connection_verify=kura.ca_file)
    wrapped = crypto.wrap_key(KeyWrapAlgorithm.rsa_oaep_256, b"d" * 32).encrypted_key
    assert crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, wrapped).key == b"d" * 32
    for attempt in (lambda: limited.create_rsa_key("notallowed"), lambda: limited.begin_delete_key("policykey"),
                    lambda: crypto.sign(SignatureAlgorithm.rs256, hashlib.sha256(b"x").digest())):
        with pytest.raises(HttpResponseError) as raised:
            attempt()
        assert raised.value.status_code == 403 and "does not have keys" in raised.value.message
    arm.ok("keyvault", "delete-policy", "-g", "KeysRg", "-n", "kvkeys1", "--object-id", wrapper["objectId"], "-o", "none")
    with pytest.raises(HttpResponseError) as raised:
        crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, wrapped)
    assert raised.value.status_code == 403


def audit(server, vault, path=""):
    session = requests.Session()
    session.trust_env = False
    reply = session.get(f"https://localhost:{server.port}/kura/v1/vaults/{vault}/auditLog{path}",
                        headers={"Authorization": "Bearer " + management_token(server)}, verify=server.ca_file)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_the_audit_log_holds_every_operation_and_verification_finds_an_edit(kura, arm):
    arm.ok("keyvault", "create", "-n", "kvaudit1", "-g", "KeysRg", "--enable-rbac-authorization", "false", "--no-self-perms", "-o", "none")
    arm.ok("keyvault", "set-policy", "-g", "KeysRg", "-n", "kvaudit1", "--object-id", admin_object_id(kura), "--key-permissions",
           "create", "get", "list", "wrapKey", "unwrapKey", "-o", "none")
    client = key_client(kura, "kvaudit1")
    key = client.create_rsa_key("audited", size=2048)                                  # create (its 401 challenge is not audited)
    client.get_key("audited")                                                         # get
    list(client.list_properties_of_keys())                                            # list
    crypto = CryptographyClient(key.id, credential(kura), connection_verify=kura.ca_file)
    wrapped = remote(client, "POST", f"/keys/audited/{key.properties.version}/wrapkey", {"alg": "RSA-OAEP-256", "value": b64url(b"a" * 32)})
    crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, unb64url(wrapped.json()["value"]))  # get (by the crypto client) + unwrap
    with pytest.raises(HttpResponseError):
        client.begin_delete_key("audited")                                            # 403: no delete permission
    entries = audit(kura, "kvaudit1")["value"]
    operations = [e["operation"] for e in entries]
    assert operations.count("KeyCreate") == 1 and operations[-1] == "KeyDelete" and entries[-1]["resultCode"] == 403
    assert [e["resultCode"] for e in entries if e["operation"] == "KeyCreate"] == [200]
    assert {"KeyGet", "KeyList", "KeyWrap", "KeyUnwrap"} <= set(operations)
    assert all(e["callerObjectId"] == admin_object_id(kura) for e in entries), "only authenticated requests are audited"
    assert [e["sequence"] for e in entries] == list(range(1, len(entries) + 1))
    verified = audit(kura, "kvaudit1", "/verify")
    assert verified["intact"] is True and verified["entries"] == len(entries)

    victim = entries[len(entries) // 2]["sequence"]
    with sqlite3.connect(os.path.join(kura.data_dir, "metadata.sqlite")) as db:
        (text,) = db.execute("SELECT entry FROM vault_audit WHERE vault = ? AND sequence = ?", ("kvaudit1", victim)).fetchone()
        db.execute("UPDATE vault_audit SET entry = ? WHERE vault = ? AND sequence = ?", (text.replace("KeyGet", "KeyGeT", 1)
                   if "KeyGet" in text else text.replace("1", "2", 1), "kvaudit1", victim))
    broken = audit(kura, "kvaudit1", "/verify")
    assert broken["intact"] is False and broken["firstBrokenSequence"] == victim


def test_an_rbac_vault_authorizes_by_role_assignment(kura, arm):
    arm.ok("keyvault", "create", "-n", "kvrbac1", "-g", "KeysRg", "--enable-purge-protection", "-o", "none")  # az's default: RBAC mode
    vault_id = arm.ok("keyvault", "show", "-n", "kvrbac1", "--query", "id", "-o", "tsv").strip()
    assert arm.ok("keyvault", "show", "-n", "kvrbac1", "--query", "properties.enableRbacAuthorization", "-o", "tsv").strip() == "true"
    with pytest.raises(HttpResponseError) as raised:
        key_client(kura, "kvrbac1").create_rsa_key("nope")
    assert raised.value.status_code == 403, "an Owner of the subscription has no data access without a Key Vault role"
    arm.ok("role", "assignment", "create", "--assignee-object-id", admin_object_id(kura), "--assignee-principal-type", "ServicePrincipal",
           "--role", "Key Vault Crypto Officer", "--scope", vault_id, "-o", "none")
    key = key_client(kura, "kvrbac1").create_rsa_key("rbackey", size=2048)
    user = create_principal(kura, "encryption-user")
    arm.ok("role", "assignment", "create", "--assignee-object-id", user["objectId"], "--assignee-principal-type", "ServicePrincipal",
           "--role", "Key Vault Crypto Service Encryption User", "--scope", vault_id, "-o", "none")
    crypto = CryptographyClient(key.id, principal_credential(kura, user), connection_verify=kura.ca_file)
    wrapped = crypto.wrap_key(KeyWrapAlgorithm.rsa_oaep_256, b"r" * 32).encrypted_key
    assert crypto.unwrap_key(KeyWrapAlgorithm.rsa_oaep_256, wrapped).key == b"r" * 32
    with pytest.raises(HttpResponseError) as raised:
        crypto.sign(SignatureAlgorithm.rs256, hashlib.sha256(b"x").digest())
    assert raised.value.status_code == 403 and raised.value.error.code == "Forbidden"
