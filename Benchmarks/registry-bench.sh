#!/usr/bin/env bash
# Registry benchmark: kura (release build, encrypted at rest) against CNCF distribution (Debian
# `docker-registry`), same client, same TLS, same Basic auth, on loopback. Prints figures only.
#   Benchmarks/registry-bench.sh [--rounds 3] [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
need=(docker-registry apache2-utils hey openssl)
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
exec env KURA_BINARY="$KURA_BINARY" "$venv/bin/python" Benchmarks/registry_bench.py "$@"
