#!/usr/bin/env bash
# Builds kura-bench in release mode and prints KBF1 / swift-crypto throughput and the peak RSS
# of a large round trip through the storage engine. Figures only: nothing passes or fails.
#   Benchmarks/run.sh [--throughput-mib 1024] [--roundtrip-gib 4] [--dir /path/on/the/disk/to/test]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product kura-bench >&2
exec .build/release/kura-bench "$@"
