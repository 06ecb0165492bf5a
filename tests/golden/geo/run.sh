#!/usr/bin/env bash
# run.sh - golden test of `geo lookup -`: the text and JSON Lines formats line by line, bad lines (an error record in place, one stderr line naming the line number, exit 65), the cap on named bad lines, write errors, and agreement with the argument form.
# usage: run.sh PATHMORTEM BUILD_DIR
set -uo pipefail
PM=${1:?pathmortem binary} BUILD=${2:?build dir}
HERE=$(cd "$(dirname "$0")" && pwd)
DBS=(--asn-db "$BUILD/data/default-asn.mmdb" --geo-db "$BUILD/data/default-city.mmdb")
T=$(mktemp -d "${TMPDIR:-/tmp}/pm-geo-golden.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The two formats, byte for byte: input.txt mixes good addresses, blanks and a
# CR around one, an empty line, bad and over-long lines, no final newline.
for fmt in text json; do
  exp=$HERE/expected.txt
  [ "$fmt" = json ] && exp=$HERE/expected.jsonl
  "$PM" geo lookup --format "$fmt" "${DBS[@]}" - <"$HERE/input.txt" >"$T/out" 2>"$T/err"
  rc=$?
  [ "$rc" = 65 ] || fail "$fmt: exit $rc, want 65 (bad lines)"
  diff -u "$exp" "$T/out" >"$T/diff" || { fail "$fmt: output differs from $(basename "$exp")"; cat "$T/diff"; }
  [ "$(wc -l <"$T/out")" = "$(($(wc -l <"$HERE/input.txt") + 1))" ] || fail "$fmt: not one output line per input line"
  # stderr: the databases, then one line per bad line naming its number
  grep -q "^asn db: $BUILD/data/default-asn.mmdb (built .*, sha256 [0-9a-f]\{64\})\$" "$T/err" || fail "$fmt: no asn db line"
  grep -q "^geo db: $BUILD/data/default-city.mmdb (built " "$T/err" || fail "$fmt: no geo db line"
  grep '^pathmortem: ' "$T/err" | sed 's/^pathmortem: geo lookup: line \([0-9]*\): .*/\1/' >"$T/lines"
  [ "$(tr '\n' ' ' <"$T/lines")" = "6 7 8 9 10 11 12 " ] || fail "$fmt: bad lines named: $(tr '\n' ' ' <"$T/lines")"
  [ "$(grep -vc -e '^pathmortem: geo lookup: line ' -e '^asn db: ' -e '^geo db: ' "$T/err")" = 0 ] ||
    fail "$fmt: other stderr lines: $(cat "$T/err")"
done

# Each JSON line is an object; the good ones equal the argument form's entries.
grep -v '"error"' "$HERE/expected.jsonl" | python3 -c 'import json,sys; print(" ".join(json.loads(l)["addr"] for l in sys.stdin))' >"$T/addrs"
# shellcheck disable=SC2046
"$PM" geo lookup --format json "${DBS[@]}" $(cat "$T/addrs") >"$T/args.json" || fail "argument form failed"
"$PM" geo lookup --format json "${DBS[@]}" - <"$HERE/input.txt" 2>/dev/null >"$T/stream.jsonl"
python3 - "$T/args.json" "$T/stream.jsonl" <<'PY' || fail "the stream and the argument form disagree"
import json, sys
args = json.load(open(sys.argv[1]))["addresses"]
stream = [json.loads(l) for l in open(sys.argv[2])]
good = [o for o in stream if "error" not in o]
bad = [o for o in stream if "error" in o]
assert good == args, (good, args)
assert all(sorted(o) == ["error", "input", "line"] for o in bad), bad
PY

# Only good lines: exit 0, nothing on stderr but the databases.
printf '175.45.176.71\n219.158.39.42\n' | "$PM" geo lookup "${DBS[@]}" - >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 0 ] || fail "good input: exit $rc"
[ "$(wc -l <"$T/out")" = 2 ] || fail "good input: $(wc -l <"$T/out") lines"
[ "$(grep -c '^pathmortem:' "$T/err")" = 0 ] || fail "good input: an error line: $(cat "$T/err")"
# Empty input: no output, exit 0.
"$PM" geo lookup "${DBS[@]}" - </dev/null >"$T/out" 2>/dev/null
rc=$?
[ "$rc" = 0 ] && [ ! -s "$T/out" ] || fail "empty input: exit $rc, $(wc -c <"$T/out") bytes"

# 25 bad lines among good ones: every line still answered, the first 20 named, then one count line.
{ for i in $(seq 25); do echo "bad$i"; echo 175.45.176.71; done; } >"$T/many.txt"
"$PM" geo lookup "${DBS[@]}" - <"$T/many.txt" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 65 ] || fail "many bad: exit $rc"
[ "$(wc -l <"$T/out")" = 50 ] || fail "many bad: $(wc -l <"$T/out") output lines, want 50"
[ "$(grep -c '^pathmortem: geo lookup: line ' "$T/err")" = 20 ] || fail "many bad: $(grep -c 'line ' "$T/err") named"
grep -q '^pathmortem: geo lookup: 25 bad lines of 50 in all (the first 20 named above)$' "$T/err" || fail "many bad: no count line"
grep -q '^pathmortem: geo lookup: line 39: ' "$T/err" || fail "many bad: line numbers count every line"

# A write error is one line and exit 74; '-' with other addresses is a usage error.
if [ -w /dev/full ]; then
  "$PM" geo lookup "${DBS[@]}" - <"$HERE/input.txt" >/dev/full 2>"$T/err"
  rc=$?
  [ "$rc" = 74 ] || fail "/dev/full: exit $rc"
  grep -q '^pathmortem: geo lookup: writing standard output: ' "$T/err" || fail "/dev/full: $(cat "$T/err")"
fi
"$PM" geo lookup "${DBS[@]}" - 1.2.3.4 </dev/null >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 64 ] && [ "$(wc -l <"$T/err")" = 1 ] || fail "'-' with an address: exit $rc: $(cat "$T/err")"
# A missing database: one line, 66, before reading anything.
echo 1.2.3.4 | "$PM" geo lookup --asn-db /nonexistent.mmdb - >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 66 ] && [ "$(wc -l <"$T/err")" = 1 ] && [ ! -s "$T/out" ] || fail "missing db: exit $rc: $(cat "$T/err")"

if [ "$fails" -gt 0 ]; then
  echo "golden.geo_stream: $fails failure(s)"
  exit 1
fi
echo "golden.geo_stream: all checks passed"
