#!/usr/bin/env bash
# Key Vault benchmark: unwrapKey operations per second over HTTPS (RSA-2048, RSA-OAEP-256) at
# concurrency 1, 16 and 64, next to `openssl speed rsa2048` private-key operations on the same
# machine. Prints figures only; not a test.
#   Benchmarks/keyvault-bench.sh [--seconds 10]
set -euo pipefail
cd "$(dirname "$0")/.."
need=(hey openssl libnss-myhostname)
missing=()
for package in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ -z "${KURA_BINARY:-}" ]; then
    swift build -c release --product kura >&2
    KURA_BINARY="$(swift build -c release --show-bin-path)/kura"
fi
venv=.build/interop-venv
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q requests; }
exec env KURA_BINARY="$KURA_BINARY" PYTHONPATH=Tests/Interop "$venv/bin/python" Benchmarks/keyvault_bench.py "$@"
