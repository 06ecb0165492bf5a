# common.sh - shared setup for the lab integration tests: lab up, lab databases, the binary under test.
# Usage: . common.sh BUILD_DIR   (then $PM runs pathmortem inside the vantage namespace)
set -euo pipefail
INT_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$INT_HOME/../.." && pwd)
BUILD=${1:?build directory}
. "$SRC/tests/lab/lib.sh"
lab_require_root
lab_tmpdir
chmod 755 "$LAB_TMP"   # pathmortem reads databases after dropping to 'nobody'
perl "$SRC/tests/lab/build-mmdb.pl" "$LAB_TMP" >/dev/null
chmod 644 "$LAB_TMP"/*.mmdb
CHECK="python3 $INT_HOME/labcheck.py"
PATHS=$SRC/tests/lab/paths.tsv

# pm ARGS...: the real binary in the vantage namespace with the lab's databases.
# PM_WRAP (e.g. "valgrind --error-exitcode=99 ...") runs it under a checker.
pm() {
  # shellcheck disable=SC2086
  lab_exec vp timeout 600 ${PM_WRAP:-} "$BUILD/pathmortem" "$1" --asn-db "$LAB_TMP/lab-asn.mmdb" \
    --geo-db "$LAB_TMP/lab-city.mmdb" "${@:2}"
}

# sweep NAME ARGS...: trace lab-starjv (or the targets given) to $LAB_TMP/NAME.json and NAME.pcap.
# Exit statuses 0-2 are verdicts; anything else fails the test.
sweep() {
  local name=$1; shift
  local rc=0
  pm trace --no-progress --format json -o "$LAB_TMP/$name.json" -w "$LAB_TMP/$name.pcap" --rate 5000 --wait 1 "$@" || rc=$?
  if [ $rc -gt 2 ]; then echo "FAIL: pathmortem trace exited $rc" >&2; exit 1; fi
  return 0
}

TRUTH=$SRC/tests/lab/truth.tsv

# scenario_up NAME: a lab set up as scenario NAME of truth.tsv says (its lab
# options, then its faults in order); LAB_SCENARIO remembers it for truth.
scenario_up() {
  local setup opts f
  mapfile -t setup < <($CHECK scenario "$TRUTH" "$1") || return 1
  [ ${#setup[@]} -gt 0 ] || { echo "scenario_up: no scenario $1" >&2; return 1; }
  opts=${setup[0]}
  [ "$opts" != - ] || opts=
  # shellcheck disable=SC2086 # options are words
  lab_up $opts
  for f in "${setup[@]:1}"; do
    # shellcheck disable=SC2086
    lab_fault $f
  done
  LAB_SCENARIO=$1
}

# scenario_faults NAME: inject scenario NAME's faults into the running lab
# (NAME must need the same lab options as the lab has); scenario_repair undoes them.
scenario_faults() {
  local f
  while read -r f; do
    # shellcheck disable=SC2086
    lab_fault $f
  done < <($CHECK scenario "$TRUTH" "$1" | tail -n +2)
  LAB_SCENARIO=$1
}
scenario_repair() {
  local f faults=()
  mapfile -t faults < <($CHECK scenario "$TRUTH" "$1" | tail -n +2)
  for ((f = ${#faults[@]} - 1; f >= 0; f--)); do
    # shellcheck disable=SC2086
    lab_repair ${faults[$f]}
  done
}

# truth FILE.json [NAME]: compares a run with scenario NAME (default: the
# lab's) of truth.tsv; prints the first difference and fails on any.
# PM_TRUTH_SOFT=1 prints the differences and goes on (to see a whole test's
# other checks while the analyzer is not there yet); never set in ctest.
truth() {
  if [ "${PM_TRUTH_SOFT:-0}" = 1 ]; then
    $CHECK truth "$TRUTH" "${2:-$LAB_SCENARIO}" "$1" || echo "(PM_TRUTH_SOFT: going on)"
  else
    $CHECK truth "$TRUTH" "${2:-$LAB_SCENARIO}" "$1"
  fi
}
