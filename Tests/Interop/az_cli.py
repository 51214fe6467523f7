"""Runs the real az CLI against a kura server, in a private config dir, with nothing leaving the machine."""
import json
import os
import subprocess


class Az:
    """One az configuration (AZURE_CONFIG_DIR) bound to one server."""

    def __init__(self, config_dir, server):
        self.config_dir = config_dir
        self.server = server
        # Before any other az call: no telemetry, no instance discovery.
        self.ok("config", "set", "core.instance_discovery=false", "core.collect_telemetry=false")

    def run(self, *args):
        env = dict(os.environ, AZURE_CONFIG_DIR=self.config_dir, AZURE_CORE_COLLECT_TELEMETRY="false",
                   AZURE_CORE_INSTANCE_DISCOVERY="false", AZURE_CORE_NO_COLOR="true", REQUESTS_CA_BUNDLE=self.server.ca_file)
        return subprocess.run([os.environ.get("AZ", "az"), *args], capture_output=True, text=True, env=env, timeout=300)

    def ok(self, *args):
        result = self.run(*args)
        assert result.returncode == 0, f"az {' '.join(args)}: {result.stderr}"
        return result.stdout

    def json(self, *args):
        return json.loads(self.ok(*args, "-o", "json"))

    def fails(self, *args):
        """Runs a command that must fail; returns (exit code, stderr)."""
        result = self.run(*args)
        assert result.returncode != 0, f"az {' '.join(args)} succeeded: {result.stdout}"
        return result.returncode, result.stderr

    def login(self, app_id, password, tenant):
        self.ok("cloud", "register", "-n", "kura", "--endpoint-resource-manager", f"https://localhost:{self.server.port}")
        self.ok("cloud", "set", "-n", "kura")
        self.ok("login", "--service-principal", "-u", app_id, "-p", password, "--tenant", tenant, "-o", "none")
        return self
