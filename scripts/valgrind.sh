#!/usr/bin/env bash
# valgrind.sh - runs the unit tests, every saved fuzz case and the bad-input corpus under valgrind memcheck (errors and definite/indirect leaks fail): scripts/valgrind.sh [BUILD_DIR].
# BUILD_DIR must be a build without sanitizers (default: build). Exit 0 only when every run is clean.
set -uo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  echo "valgrind.sh: $build is not a configured build directory" >&2
  exit 64
fi
if grep -q '^PM_SANITIZE:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "valgrind.sh: $build is a sanitizer build; valgrind needs a plain one" >&2
  exit 64
fi
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed (scripts/bootstrap.sh)" >&2; exit 69; }

vg=(valgrind --tool=memcheck --error-exitcode=99 --leak-check=full
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
    --vgdb=no --quiet --child-silent-after-fork=no)
supp="$here/scripts/valgrind.supp"
[ -f "$supp" ] && vg+=(--suppressions="$supp")

logdir=$(mktemp -d "${TMPDIR:-/tmp}/pm-valgrind.XXXXXX")
fail=0
runs=0
failed=()

run() {   # run NAME CMD...
  local name=$1; shift
  runs=$((runs + 1))
  if "${vg[@]}" --log-file="$logdir/$name.%p.log" "$@" >"$logdir/$name.out" 2>&1; then
    echo "ok   $name"
  else
    echo "FAIL $name (exit $?; logs: $logdir/$name.*)"
    cat "$logdir/$name".*.log 2>/dev/null | head -40
    fail=$((fail + 1))
    failed+=("$name")
  fi
}

# Unit tests: every cmocka executable ctest knows. test_store_pg needs a
# PostgreSQL server: a private one (tests/pg/pg.sh), for that test only.
. "$here/tests/pg/pg.sh"
trap pg_stop EXIT
for t in "$build"/tests/test_*; do
  [ -x "$t" ] && [ -f "$t" ] || continue
  if [ "$(basename "$t")" = test_store_pg ]; then
    if [ -z "${PG_DIR:-}" ] && ! pg_start; then
      echo "FAIL unit.test_store_pg (no PostgreSQL server)"; fail=$((fail + 1)); failed+=(unit.test_store_pg); continue
    fi
    PM_TEST_PG=$PG_ADMIN run "unit.test_store_pg" "$t"
    continue
  fi
  run "unit.$(basename "$t")" "$t"
done

# Every saved fuzz case through the replay drivers.
for r in "$build"/tests/fuzz/fuzz_*_replay; do
  [ -x "$r" ] || continue
  t=$(basename "$r"); t=${t#fuzz_}; t=${t%_replay}
  run "fuzz.replay.$t" "$r" "$here/tests/fuzz/corpus/$t"
done

# The bad-input corpus: each row's run of the real binary under memcheck.
if [ -x "$build/pathmortem" ]; then
  runs=$((runs + 1))
  if PM_WRAP="${vg[*]} --log-fd=2" PM_BADINPUT_TIMEOUT=120 \
     "$here/tests/golden/pcap/run.sh" "$build/pathmortem" >"$logdir/golden.out" 2>&1; then
    echo "ok   golden.badinput"
  else
    echo "FAIL golden.badinput (see $logdir/golden.out)"
    grep -E '^FAIL' "$logdir/golden.out"
    fail=$((fail + 1))
    failed+=(golden.badinput)
  fi
fi

# The real binary in the network lab (root only): live sweeps with every
# method, the pcap analysis, snapshots and the store, each run under memcheck
# (tests/integration/common.sh prefixes PM_WRAP to every pathmortem it starts).
if [ "$(id -u)" -eq 0 ] && [ -x "$build/pathmortem" ]; then
  for t in trace_healthy analyze_pcap snapshot_history; do
    runs=$((runs + 1))
    if PM_WRAP="${vg[*]} --log-fd=2" bash "$here/tests/integration/$t.sh" "$build" >"$logdir/lab.$t.out" 2>&1; then
      echo "ok   lab.$t"
    else
      echo "FAIL lab.$t (see $logdir/lab.$t.out)"
      grep -E '^FAIL|==[0-9]+==' "$logdir/lab.$t.out" | head -40
      fail=$((fail + 1))
      failed+=("lab.$t")
    fi
  done
fi

echo "valgrind: $((runs - fail)) of $runs clean${failed:+; failed: ${failed[*]}}"
[ $fail -eq 0 ] && rm -rf "$logdir"
[ $fail -eq 0 ]
