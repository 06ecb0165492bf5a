#!/usr/bin/env bash
# run.sh - `pathmortem show` round trips: the JSON analyze writes, shown in each format, equals analyze's own output in that format; bad documents are refused with one line and exit 65. run.sh PATHMORTEM
set -u
bin=${1:?usage: run.sh PATHMORTEM}
here=$(cd "$(dirname "$0")" && pwd)
pcaps="$here/../pcap"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pm-show.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
wrap=${PM_WRAP:-}
fail=0
pass=0

bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# Every good capture of the bad-input corpus (several link types, a cut file).
for p in ok_icmp_eth.pcap ok_tcp_sll.pcap ok_udp_raw.pcap ok_pcapng.pcapng truncated_record.pcap; do
    $wrap "$bin" analyze --format json -o "$tmp/a.json" "$pcaps/$p" 2>/dev/null
    [ -s "$tmp/a.json" ] || { bad "$p: analyze wrote no JSON"; continue; }
    for f in text json csv dot svg html; do
        $wrap "$bin" analyze --format "$f" "$pcaps/$p" >"$tmp/a.$f" 2>/dev/null
        set +e
        $wrap "$bin" show --format "$f" "$tmp/a.json" >"$tmp/b.$f" 2>"$tmp/err"
        rc=$?
        # the same reach status as analyze: 0, 1 or 2
        [ $rc -le 2 ] || { bad "$p --format $f: show exit $rc: $(cat "$tmp/err")"; continue; }
        [ -s "$tmp/err" ] && { bad "$p --format $f: show wrote to stderr: $(cat "$tmp/err")"; continue; }
        [ -s "$tmp/b.$f" ] || { bad "$p --format $f: empty"; continue; }
        if cmp -s "$tmp/a.$f" "$tmp/b.$f"; then
            pass=$((pass + 1))
        else
            bad "$p --format $f: show differs from analyze"
            diff "$tmp/a.$f" "$tmp/b.$f" | head -5
        fi
    done
    # -o writes the same document to a file
    $wrap "$bin" show --format json -o "$tmp/c.json" "$tmp/a.json" 2>/dev/null
    cmp -s "$tmp/a.json" "$tmp/c.json" && pass=$((pass + 1)) || bad "$p: show -o differs"
done

# Refused documents: exit status and exactly one line "pathmortem: FILE: ..." on stderr.
good="$tmp/a.json"

# $COLUMNS: the text wraps at spaces to that width, every word kept in order;
# an -o file stays unwrapped (issue 15: lines of 150-165 columns regardless)
"$bin" show "$good" >"$tmp/wide.txt" 2>/dev/null
for w in 60 100; do
    COLUMNS=$w "$bin" show "$good" >"$tmp/w$w.txt" 2>/dev/null
    COLUMNS=$w "$bin" show -o "$tmp/o$w.txt" "$good" 2>/dev/null
    python3 - "$tmp/wide.txt" "$tmp/w$w.txt" "$w" <<'PY' && pass=$((pass + 1)) || bad "COLUMNS=$w: wrapped text is wider or lost words"
import sys
wide, narrow, w = open(sys.argv[1]).read(), open(sys.argv[2]).read(), int(sys.argv[3])
lines = narrow.split("\n")
assert max(len(l) for l in lines) <= w, max(len(l) for l in lines)
assert max(len(l) for l in wide.split("\n")) > w, "the document has no long line to wrap"
assert wide.split() == narrow.split(), "words differ"
PY
    cmp -s "$tmp/wide.txt" "$tmp/o$w.txt" && pass=$((pass + 1)) || bad "COLUMNS=$w: the -o file was wrapped"
done
COLUMNS=abc "$bin" show "$good" >"$tmp/wabc.txt" 2>/dev/null
cmp -s "$tmp/wide.txt" "$tmp/wabc.txt" && pass=$((pass + 1)) || bad "COLUMNS=abc (not a number) changed the text"

: >"$tmp/empty.json"
printf '{"schema": "pathmortem/2"}\n' >"$tmp/schema.json"
head -c 400 "$good" >"$tmp/cut.json"
printf '\x00\x01\x02 not json' >"$tmp/binary.json"
python3 - "$good" "$tmp" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
t = sys.argv[2]
d = json.loads(json.dumps(doc)); d["targets"][0]["dst"] = "300.1.2.3"
json.dump(d, open(t + "/badaddr.json", "w"))
d = json.loads(json.dumps(doc)); d["targets"][0]["hops"][0]["ttl"] = 999
json.dump(d, open(t + "/badttl.json", "w"))
d = json.loads(json.dumps(doc)); del d["run"]
json.dump(d, open(t + "/norun.json", "w"))
open(t + "/trailing.json", "w").write(json.dumps(doc) + "\n{}\n")
PY
while read -r name want substr; do
    [ -n "$name" ] || continue
    set +e
    $wrap "$bin" show "$tmp/$name" >/dev/null 2>"$tmp/err"
    rc=$?
    set +e
    lines=$(wc -l <"$tmp/err")
    if [ "$rc" != "$want" ]; then
        bad "$name: exit $rc, want $want: $(cat "$tmp/err")"
    elif [ "$lines" -ne 1 ] || ! grep -q "^pathmortem: .*$substr" "$tmp/err"; then
        bad "$name: stderr is not one line with '$substr': $(cat "$tmp/err")"
    else
        pass=$((pass + 1))
    fi
done <<'ROWS'
empty.json     65 empty.json: json:
schema.json    65 not pathmortem/1
cut.json       65 cut.json: json:
binary.json    65 binary.json: json:
badaddr.json   65 badaddr.json:
badttl.json    65 badttl.json:
norun.json     65 norun.json:
trailing.json  65 trailing.json:
missing.json   66 cannot open
ROWS

echo "show: $pass passed, $fail failed"
[ $fail -eq 0 ]
