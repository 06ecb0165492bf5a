#!/usr/bin/env bash
# run.sh - runs every row of TESTLIST through the real binary: run.sh PATHMORTEM [ROW-NAME-FILTER]; PM_WRAP (e.g. "valgrind ...") prefixes each run.
set -u

bin=${1:?usage: run.sh PATHMORTEM [FILTER]}
filter=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pm-badinput.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
wrap=${PM_WRAP:-}
# Slow under valgrind; a hang is still a failure, just later.
limit=${PM_BADINPUT_TIMEOUT:-30}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export PATHMORTEM_STORE="$tmp/no-such-store.db"

pass=0
fail=0
failed=()

check_json() {   # check_json FILE CHECK... : counts in an analyze JSON document
  python3 - "$@" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
have = {
    "targets": len(doc["targets"]),
    "replies": sum(len(h["replies"]) for t in doc["targets"] for h in t["hops"]),
    "malformed": doc["run"].get("stats", {}).get("dropped_malformed", -1),
    "sealed": int(doc["run"].get("assurance") == "sealed"),
}
for k in ("forged", "foreign", "checksum", "ttl0", "fragment", "not_answer"):
    have[k] = doc["run"].get("stats", {}).get("rejected_" + k, -1)
bad = []
for c in sys.argv[2:]:
    if ">=" in c:
        k, v = c.split(">=", 1)
        ok = have[k] >= int(v)
    else:
        k, v = c.split("=", 1)
        ok = have[k] == int(v)
    if not ok:
        bad.append("%s (have %s=%d)" % (c, k, have[k]))
if bad:
    print("counts differ: " + ", ".join(bad))
    sys.exit(1)
PY
}

while read -r name cmd file want kind rest; do
  case "$name" in ''|'#'*) continue ;; esac
  if [ -n "$filter" ] && [[ "$name" != *"$filter"* ]]; then continue; fi
  path="$here/$file"
  out="$tmp/$name.out"
  err="$tmp/$name.err"
  before=""
  case "$cmd" in
    analyze)
      if [ "$kind" = ok ] || [ "$kind" = warn ]; then args=(analyze --format json "$path"); else args=(analyze "$path"); fi ;;
    geo)
      args=(geo lookup --asn-db "$path" 1.2.3.4 175.45.176.1) ;;
    history)
      # work on a copy in a private dir, so side files (-wal, -shm, .lock) show up too
      mkdir -p "$tmp/$name.d"
      copy="$tmp/$name.d/store.db"
      if [ -f "$path" ]; then cp "$path" "$copy"; before=$(sha256sum < "$copy"); fi
      args=(history --store "$copy") ;;
    *) echo "FAIL $name: unknown command '$cmd' in TESTLIST"; fail=$((fail + 1)); failed+=("$name"); continue ;;
  esac
  # shellcheck disable=SC2086
  timeout -k 5 "$limit" $wrap "$bin" "${args[@]}" >"$out" 2>"$err" </dev/null
  rc=$?
  why=""
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    why="hung (killed after ${limit}s)"
  elif [ $rc -ge 128 ]; then
    why="died by signal $((rc - 128))"
  elif grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|==[0-9]+== (Invalid|Conditional|Use of uninit|[0-9,]+ bytes in)' "$err"; then
    why="sanitizer/valgrind report: $(grep -m1 -E 'Sanitizer|runtime error|==[0-9]+==' "$err")"
  elif [ "$rc" != "$want" ]; then
    why="exit $rc, want $want: $(head -c 300 "$err" | head -1)"
  elif [ "$kind" = err ]; then
    lines=$(grep -vc '^==[0-9]*==' "$err")
    first=$(grep -v '^==[0-9]*==' "$err" | head -1)
    if [ "$lines" -ne 1 ]; then
      why="stderr has $lines lines, want exactly 1"
    elif [[ "$first" != "pathmortem: "* ]]; then
      why="stderr does not start with 'pathmortem: ': $first"
    elif [[ "$first" != *"$rest"* ]]; then
      why="stderr lacks '$rest': $first"
    fi
  elif [ "$kind" = warn ]; then
    sub=${rest%% ; *}
    checks=${rest#* ; }
    lines=$(grep -vc '^==[0-9]*==' "$err")
    first=$(grep -v '^==[0-9]*==' "$err" | head -1)
    if [ "$lines" -ne 1 ]; then
      why="stderr has $lines lines, want exactly 1"
    elif [[ "$first" != "pathmortem: "* ]] || [[ "$first" != *"$sub"* ]]; then
      why="stderr lacks 'pathmortem: ...$sub': $first"
    elif ! msg=$(check_json "$out" $checks 2>&1); then
      why="$msg"
    fi
  elif [ "$kind" = ok ]; then
    if [ -n "$(grep -v '^==[0-9]*==' "$err")" ]; then
      why="unexpected stderr: $(head -1 "$err")"
    elif ! msg=$(check_json "$out" $rest 2>&1); then
      why="$msg"
    fi
  fi
  if [ -z "$why" ] && [ -n "$before" ]; then
    if [ "$(sha256sum < "$copy")" != "$before" ]; then
      why="the store file was modified"
    fi
  fi
  if [ -z "$why" ]; then
    pass=$((pass + 1))
    echo "ok   $name"
  else
    fail=$((fail + 1))
    failed+=("$name")
    echo "FAIL $name: $why"
  fi
done < "$here/TESTLIST"

echo "bad-input corpus: $pass passed, $fail failed${failed:+ (${failed[*]})}"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
