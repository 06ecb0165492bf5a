#!/usr/bin/env bash
# seal_cost.sh - builds and runs bench/seal_cost.c against the build's libraries: the CPU cost of the probe seal (SipHash-2-4) per probe encoded and per frame matched.
# usage: bench/seal_cost.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${1:-$ROOT/build}
ROUNDS=${2:-5}
[ -f "$BUILD/libpm_match.a" ] || { echo "seal_cost: $BUILD/libpm_match.a missing (build the project first)" >&2; exit 69; }
T=$(mktemp -d "${TMPDIR:-/tmp}/pm-seal.XXXXXX")
trap 'rm -rf "$T"' EXIT
cc -O2 -std=c17 -D_DEFAULT_SOURCE -I "$ROOT/include" -I "$ROOT/tests/fuzz" -o "$T/seal_cost" "$HERE/seal_cost.c" \
  "$ROOT/tests/fuzz/fuzz_build.c" "$BUILD/libpm_match.a" "$BUILD/libpm_trace.a" "$BUILD/libpm_wire.a" \
  "$BUILD/libpm_util.a" -lsodium -lm
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$T/seal_cost" "$ROUNDS"
