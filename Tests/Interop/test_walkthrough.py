"""docs/walkthrough.md, executed: every fenced block of the file, in order, in one bash (`set -e`),
against the `kura serve` its first block starts, with each step's effect checked here.

The shell's HOME is a fresh directory (so `~/.kura/data` and the CLI profile are the test's own) and
KURA_SERVER_PORT a free port; nothing else is changed from what a user runs. Each block must be
claimed by exactly one check below, so a block added to the document without a check fails the test.
"""
import gzip
import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
import uuid

import pytest

from kura_server import REPO, free_port, kura_binary
from test_templates import seed_template

DOCUMENT = os.path.join(REPO, "docs", "walkthrough.md")
ZERO_USER = "00000000-0000-0000-0000-000000000000"


def fenced_blocks(text):
    """(language, code) of every fenced block, in order."""
    return re.findall(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", text, re.S | re.M)


class Shell:
    """One bash fed over stdin, as a user types into a terminal; stdout and stderr merged."""

    def __init__(self, cwd, env):
        self.process = subprocess.Popen(["bash", "--noprofile", "--norc"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, cwd=cwd, env=env, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.run("set -eo pipefail")

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def run(self, code, timeout=600):
        """Runs `code`; returns its output. Fails the test if the shell exits (a command failed)."""
        marker = f"__walkthrough_{uuid.uuid4().hex}"
        self.process.stdin.write(code.rstrip("\n") + f"\necho {marker}\n")
        self.process.stdin.flush()
        output, deadline = [], time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"the block did not finish within {timeout} s:\n{code}\n--- output ---\n{''.join(output)}")
            if line is None:
                pytest.fail(f"a command of this block failed (exit {self.process.wait()}):\n{code}\n--- output ---\n{''.join(output)}")
            if line.strip() == marker:
                return "".join(output)
            output.append(line)

    def variable(self, name):
        return self.run(f'printf "%s\\n" "${name}"').strip()

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=30)


def json_in(output):
    """The JSON document a kura command printed (skipping WARNING lines)."""
    text = "\n".join(line for line in output.splitlines() if not line.startswith("WARNING:"))
    return json.loads(text)


def kura(home, *args):
    env = dict(os.environ, HOME=home)
    env.pop("KURA_CONFIG_DIR", None)
    result = subprocess.run([kura_binary(), *args], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def wait_for(condition, seconds=2.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def files_under(root):
    for directory, _, names in os.walk(root):
        for name in names:
            yield os.path.join(directory, name)


def blob_files(data_dir):
    """path → (inode, mtime) of every stored blob file."""
    return {path: (os.stat(path).st_ino, os.stat(path).st_mtime_ns) for path in files_under(os.path.join(data_dir, "blobs"))}


def pulled_layer_contents(layout):
    """The bytes of every blob in an OCI layout directory skopeo wrote."""
    return sorted(open(path, "rb").read() for path in files_under(os.path.join(layout, "blobs")))


def readable(blob):
    """A blob as its bytes read: gzip layers decompressed."""
    try:
        return gzip.decompress(blob)
    except OSError:
        return blob


@pytest.fixture
def walkthrough(tmp_path):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("KURA_")}
    env.update(HOME=str(home), KURA_SERVER_PORT=str(port), PATH=os.path.dirname(kura_binary()) + os.pathsep + env["PATH"])
    shell = Shell(str(work), env)
    state = {"home": str(home), "work": str(work), "port": port, "data": str(home / ".kura" / "data")}
    yield shell, state
    served = os.path.join(state["data"], "serving.json")
    if os.path.exists(served):
        os.kill(json.load(open(served))["pid"], signal.SIGTERM)
    shell.close()


def test_the_walkthrough_runs_as_written(walkthrough):
    shell, state = walkthrough
    home, work, data, port = state["home"], state["work"], state["data"], state["port"]
    blocks = fenced_blocks(open(DOCUMENT, encoding="utf-8").read())
    assert blocks and all(language == "bash" for language, _ in blocks), "every block of the walkthrough is a bash block the test runs"

    def start_and_login(out):
        served = json.load(open(os.path.join(data, "serving.json")))
        assert served["url"] == f"https://localhost:{port}"
        installation = json.load(open(os.path.join(data, "installation.json")))
        assert json_in(out)[0]["id"] == installation["subscriptionId"]
        assert "password:" in open(os.path.join(work, "kura.log")).read(), "the first start prints the bootstrap admin once"
        state["pid"] = served["pid"]

    def group(out):
        created = json_in(out)
        assert created["name"] == "myResourceGroup" and created["location"] == "eastus"
        assert kura(home, "group", "show", "-n", "myresourcegroup")["properties"]["provisioningState"] == "Succeeded"

    def identity(out):
        created = json_in(out)
        assert created["type"] == "Microsoft.ManagedIdentity/userAssignedIdentities" and created["name"] == "myIdentity"
        state["identity"] = created

    def identity_captures(out):
        assert out == ""
        assert shell.variable("identityID") == state["identity"]["id"]
        assert re.fullmatch(r"[0-9a-f-]{36}", shell.variable("identityPrincipalID"))
        assert shell.variable("identityPrincipalID") == state["identity"]["principalId"]

    def vault(out):
        created = json_in(out)["properties"]
        assert created["enableSoftDelete"] is True and created["enablePurgeProtection"] is True
        admin = json.load(open(os.path.join(data, "admin-credentials.json")))["objectId"]
        assert [entry["objectId"] for entry in created["accessPolicies"]] == [admin], "the creator gets an access policy, as az gives it"
        assert "all" in created["accessPolicies"][0]["permissions"]["keys"]
        state["vault"] = created

    def set_policy(out):
        (restore if state.get("revoked") else policy)(out)

    def policy(out):
        entries = json_in(out)["properties"]["accessPolicies"]
        mine = [entry for entry in entries if entry["objectId"] == state["identity"]["principalId"]]
        assert len(mine) == 1 and sorted(mine[0]["permissions"]["keys"]) == ["get", "unwrapKey", "wrapKey"]

    def key(out):
        shown = json_in(out)["key"]
        assert shown["kty"] == "RSA" and shown["e"] == "AQAB" and shown["d"] is None and shown["crv"] is None, "az's key shape, as the seed shows it"
        assert shown["keyOps"] == ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]
        kid = shown["kid"]
        assert kid.startswith(f"https://myvault.vault.localhost:{port}/keys/mykey/")
        state["kid"] = kid

    def key_capture(out):
        assert out == "" and shell.variable("keyID") == state["kid"]

    def registry(out):
        created = json_in(out)
        assert created["sku"]["name"] == "Premium" and created["loginServer"] == f"myregistry.cr.localhost:{port}"
        encryption = created["encryption"]
        assert encryption["status"] == "enabled"
        assert encryption["keyVaultProperties"]["keyIdentifier"] == state["kid"]
        assert encryption["keyVaultProperties"]["identity"] == state["identity"]["clientId"]

    def encryption_show(out):
        shown = json_in(out)
        assert shown["status"] == "enabled" and shown["keyVaultProperties"]["keyAccessible"] is True

    def push_and_pull(out):
        assert "Writing manifest to image destination" in out
        assert json.loads(out[out.rindex("["):]) == ["v1"], "show-tags lists the pushed tag"
        pulled = pulled_layer_contents(os.path.join(work, "pulled"))
        assert any(b"hello from kura" in readable(blob) for blob in pulled), "the pulled layer holds the file"
        stored = [open(path, "rb").read() for path in files_under(data)]
        for blob in pulled:
            for needle in {readable(blob)[:64], blob[:64], b"hello from kura"}:
                assert not any(needle in content for content in stored), f"plaintext of a pulled blob reached the data dir: {needle!r}"
        state["blobs"] = blob_files(data)
        state["layers"] = pulled

    def new_key(out):
        assert "WARNING: read '\u2013-name' as '--name'" in out, "the seed's typographic dash is read, with a warning"
        state["new_kid"] = json_in(out)["key"]["kid"]
        assert "/keys/mynewkey/" in state["new_kid"]

    def new_key_capture(out):
        assert out == "" and shell.variable("newKeyID") == state["new_kid"]

    def rotate(out):
        rotated = json_in(out)["encryption"]["keyVaultProperties"]
        assert rotated["keyIdentifier"] == state["new_kid"]
        assert blob_files(data) == state["blobs"], "rotation rewrote no blob"

    def pull_after_rotation(out):
        assert pulled_layer_contents(os.path.join(work, "pulled")) == state["layers"]

    def status():
        return kura(home, "acr", "encryption", "show-status", "--name", "myregistry")

    def revoke(out):
        assert all(entry["objectId"] != state["identity"]["principalId"] for entry in json_in(out)["properties"]["accessPolicies"])
        assert wait_for(lambda: status()["keyAccessible"] is False), "revocation takes effect within 2 s"
        state["revoked"] = True

    def refused_while_revoked(out):
        shown = json_in(out[:out.index("}") + 1])
        assert shown["keyAccessible"] is False and "unwrapKey" in shown["lastKeyError"]
        assert "pull refused: the key is revoked" in out
        assert not os.path.exists(os.path.join(work, "pulled", "index.json")) or "v3" not in open(os.path.join(work, "pulled", "index.json")).read()

    def restore(out):
        entries = json_in(out)["properties"]["accessPolicies"]
        assert any(entry["objectId"] == state["identity"]["principalId"] for entry in entries)
        assert wait_for(lambda: status()["keyAccessible"] is True), "restoring access takes effect within 2 s"

    def pull_after_restore(out):
        assert "v4" in open(os.path.join(work, "pulled", "index.json")).read()
        assert pulled_layer_contents(os.path.join(work, "pulled")) == state["layers"], "the data came back intact"

    def template_saved(out):
        assert out == ""
        assert open(os.path.join(work, "CMKtemplate.json"), encoding="utf-8").read().rstrip("\n") == seed_template().rstrip("\n"), \
            "the seed's template, byte for byte"

    def template_deployed(out):
        deployed = json_in(out)
        assert deployed["properties"]["provisioningState"] == "Succeeded", deployed
        assert sorted(resource["id"].split("/providers/")[1] for resource in deployed["properties"]["outputResources"]) == [
            "Microsoft.ContainerRegistry/registries/mytemplateregistry", "Microsoft.KeyVault/vaults/myvault/accessPolicies/add",
            "Microsoft.ManagedIdentity/userAssignedIdentities/myTemplateIdentity"]

    def template_encryption(out):
        assert out.strip() == state["new_kid"]

    def stop(out):
        assert wait_for(lambda: not os.path.exists(f"/proc/{state['pid']}"), seconds=30), "kura serve stops on SIGTERM"
        assert not os.path.exists(os.path.join(data, "serving.json")), "a stopped server withdraws serving.json"

    checks = [
        (r"^kura serve", start_and_login),
        (r"^kura group create", group),
        (r"^kura identity create", identity),
        (r"^identityID=", identity_captures),
        (r"^kura keyvault create", vault),
        (r"^kura keyvault set-policy", set_policy),
        (r"^kura keyvault key create \\", key),
        (r"^keyID=", key_capture),
        (r"^kura acr create", registry),
        (r"^kura acr encryption show --name myregistry", encryption_show),
        (r"^loginServer=", push_and_pull),
        (r"^kura keyvault key create \u2013-name", new_key),
        (r"^newKeyID=", new_key_capture),
        (r"^kura acr encryption rotatekey", rotate),
        (r"oci:pulled:v2", pull_after_rotation),
        (r"^kura keyvault delete-policy", revoke),
        (r"^kura acr encryption show-status", refused_while_revoked),
        (r"oci:pulled:v4", pull_after_restore),
        (r"^cat > CMKtemplate.json", template_saved),
        (r"^kura group deployment create", template_deployed),
        (r"^kura acr encryption show --name mytemplateregistry", template_encryption),
        (r"^kill \$kuraPID", stop),
    ]
    ran = []
    expected_steps = len(checks) + 1  # set-policy runs twice: the seed's grant, then the restore
    for _, code in blocks:
        claimed = [check for pattern, check in checks if re.search(pattern, code)]
        assert len(claimed) == 1, f"each block has exactly one check; this one has {len(claimed)}:\n{code}"
        out = shell.run(code)
        print(f"$ {code.strip()}\n{out}")
        claimed[0](out)
        ran.append(claimed[0].__name__)
    assert len(ran) == expected_steps and set(ran) == {check.__name__ for _, check in checks}, f"every step ran: {ran}"
