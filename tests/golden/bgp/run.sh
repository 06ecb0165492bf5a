#!/bin/sh
# run.sh - `pathmortem bgp state` on a generated RIB and update file (gen.py) with one known event per /24: origin withdrawal, leak, one upstream dropping, hijack; the state before them; bad files refused with nothing printed.
set -u
PM=$1
DIR=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }
T0=1764640800
python3 "$DIR/gen.py" "$T" "$T0" || { echo "gen.py failed"; exit 1; }

# The generated files read the same by bgpdump and by pathmortem.
for f in rib.mrt.bz2 updates.mrt.gz; do
    bgpdump -m "$T/$f" >"$T/ref" 2>/dev/null
    "$PM" bgp dump "$T/$f" >"$T/out" 2>&1
    cmp -s "$T/ref" "$T/out" || bad "$f: bgp dump differs from bgpdump -m"
done

# expect JSON SECTION PREFIX FIELD VALUE
expect() {
    got=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
u=[x for x in d[sys.argv[2]] if x["prefix"]==sys.argv[3]]
print(u[0].get(sys.argv[4]) if u else "MISSING")' "$1" "$2" "$3" "$4")
    [ "$got" = "$5" ] && echo "ok   $2 $3 $4 = $5" || bad "$2 $3 $4: want '$5', got '$got'"
}

"$PM" bgp state --format json --mrt "$T/rib.mrt.bz2" --mrt-updates "$T/updates*.gz" starjv >"$T/end.json" 2>"$T/err" ||
    bad "state exit $?: $(cat "$T/err")"
expect "$T/end.json" slash24 175.45.176.0/24 state withdrawn
expect "$T/end.json" slash24 175.45.176.0/24 first_change origin-withdrawal
expect "$T/end.json" slash24 175.45.176.0/24 full_feed_seen 0
expect "$T/end.json" slash24 175.45.176.0/24 last_change 2025-12-02T02:01:50.000Z
expect "$T/end.json" slash24 175.45.177.0/24 first_change route-leak
expect "$T/end.json" slash24 175.45.177.0/24 first_change_as 64777
expect "$T/end.json" slash24 175.45.178.0/24 state announced
expect "$T/end.json" slash24 175.45.178.0/24 first_change one-upstream-dropped
expect "$T/end.json" slash24 175.45.178.0/24 first_change_as 4837
expect "$T/end.json" slash24 175.45.178.0/24 upstreams "[20485]"
expect "$T/end.json" slash24 175.45.178.0/24 full_feed_seen 3
expect "$T/end.json" slash24 175.45.179.0/24 first_change hijack
expect "$T/end.json" slash24 175.45.179.0/24 first_change_as 64666
expect "$T/end.json" prefixes 175.45.176.0/24 upstreams_rib "[4837, 20485]"
# Per upstream side: China Unicom's side lost 178.0/24, TransTeleCom's still carries it; 176.0/24 lost on both.
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
def sides(p): return {s["upstream_asn"]: (s["full_feed_seen"], s["full_feed_seen_rib"], s["carried"]) for s in [x for x in d["slash24"] if x["prefix"]==p][0]["sides"]}
assert sides("175.45.178.0/24") == {4837: (0, 2, False), 20485: (3, 3, True)}, sides("175.45.178.0/24")
assert sides("175.45.176.0/24") == {4837: (0, 2, False), 20485: (0, 3, False)}, sides("175.45.176.0/24")' "$T/end.json" &&
    echo "ok   per-side counts" || bad "per-side counts"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["full_feed_peers"]==5, d["full_feed_peers"]' "$T/end.json" ||
    bad "want 5 full-feed peers (the partial one is not)"

# Before the events: everything announced, nothing changed.
"$PM" bgp state --format json --at 2025-12-02T02:01:00Z --mrt "$T/rib.mrt.bz2" --mrt-updates "$T/updates*.gz" \
    175.45.176.0/22 >"$T/before.json" 2>"$T/err" || bad "state --at exit $?: $(cat "$T/err")"
for p in 175.45.176.0/24 175.45.177.0/24 175.45.178.0/24 175.45.179.0/24; do
    expect "$T/before.json" slash24 $p state announced
    expect "$T/before.json" slash24 $p first_change no-control-plane-change
done
# Between the withdrawal and the leak: only 176.0/24 has changed.
"$PM" bgp state --format json --at 2025-12-02T02:02:30Z --mrt "$T/rib.mrt.bz2" --mrt-updates "$T/updates*.gz" \
    175.45.176.0/22 >"$T/mid.json" 2>"$T/err" || bad "state --at exit $?"
expect "$T/mid.json" slash24 175.45.176.0/24 first_change origin-withdrawal
expect "$T/mid.json" slash24 175.45.177.0/24 first_change no-control-plane-change
# A prefix nobody announces.
"$PM" bgp state --format json --mrt "$T/rib.mrt.bz2" 198.51.100.0/24 >"$T/none.json" 2>&1 || bad "state exit $?"
expect "$T/none.json" slash24 198.51.100.0/24 first_change never-announced
# Text output names the rule.
"$PM" bgp state --mrt "$T/rib.mrt.bz2" --mrt-updates "$T/updates*.gz" starjv >"$T/text" 2>&1
grep -q "visible = seen by more than 50 % of them" "$T/text" || bad "text output does not state the visibility rule"
grep -q "^  origin-withdrawal: withdrawn by its origin AS131279" "$T/text" || bad "text output lacks the origin withdrawal"
grep -q "^  via AS4837: carried by 0 of 5 full-feed peers (2 at the RIB): this side lost it" "$T/text" ||
    bad "text output lacks the per-side line"

# Bad input: one line, nothing printed from a half-read set of files.
gzip -dc "$T/updates.mrt.gz" | head -c 300 >"$T/updates-cut.mrt"
"$PM" bgp state --mrt "$T/rib.mrt.bz2" --mrt-updates "$T/updates-cut.mrt" starjv >"$T/out" 2>"$T/err"; rc=$?
[ "$rc" = 65 ] || bad "cut update file: exit $rc, want 65"
[ -s "$T/out" ] && bad "cut update file: a state was printed"
[ "$(wc -l <"$T/err")" = 1 ] && grep -q "updates-cut.mrt: byte offset [0-9]*: cut record" "$T/err" || bad "cut update file: $(cat "$T/err")"
"$PM" bgp state --mrt "$T/missing.mrt" starjv >/dev/null 2>&1; rc=$?
[ "$rc" = 66 ] || bad "missing RIB: exit $rc, want 66"
"$PM" bgp state --mrt "$T/rib.mrt.bz2" --mrt-updates "$T/nothing*" starjv >/dev/null 2>&1; rc=$?
[ "$rc" = 66 ] || bad "pattern matching nothing: exit $rc, want 66"
"$PM" bgp state starjv >/dev/null 2>&1; rc=$?
[ "$rc" = 64 ] || bad "no --mrt: exit $rc, want 64"

[ "$fail" = 0 ] && echo "all bgp state checks passed"
exit "$fail"
