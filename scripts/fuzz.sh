#!/usr/bin/env bash
# fuzz.sh - runs a libFuzzer campaign on one target for a bounded time: scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags].
# Targets: wire match pcap mmdb store input json atlas warts foreign mrt. New interesting inputs go to
# build-fuzz/corpus/TARGET (seeded from tests/fuzz/corpus/TARGET); crashes to
# build-fuzz/crashes/TARGET. Copy small, useful new cases into
# tests/fuzz/corpus/TARGET so ctest replays them forever.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-}
seconds=${2:-}
if [ -z "$target" ] || [ -z "$seconds" ]; then
  echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]" >&2
  echo "targets: wire match pcap mmdb store input json atlas warts foreign mrt" >&2
  exit 64
fi
shift 2
case "$target" in
  wire|match|pcap|mmdb|store|input|json|atlas|warts|foreign|mrt) ;;
  *) echo "fuzz.sh: unknown target '$target'" >&2; exit 64 ;;
esac
case "$seconds" in
  ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number" >&2; exit 64 ;;
esac

build=${PM_FUZZ_BUILD:-$here/build-fuzz}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$here" -B "$build" -DCMAKE_C_COMPILER=clang -DPM_FUZZ=ON -DPM_SANITIZE=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target "fuzz_$target" >/dev/null

# Larger inputs only where the format needs them (a store is pages of 4 KiB).
case "$target" in
  store) max_len=65536 ;;
  pcap|mmdb|warts|foreign|mrt) max_len=16384 ;;
  *) max_len=4096 ;;
esac

work="$build/corpus/$target"
crashes="$build/crashes/$target"
mkdir -p "$work" "$crashes"
export TMPDIR=${TMPDIR:-/tmp}
# Leaks inside third-party libraries only (see the file).
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$here/tests/fuzz/lsan.supp}
# Bounded in time and memory; one job, so a shared machine stays usable.
exec "$build/tests/fuzz/fuzz_$target" "$work" "$here/tests/fuzz/corpus/$target" \
  -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 \
  -artifact_prefix="$crashes/" -print_final_stats=1 "$@"
