#!/usr/bin/env bash
# run.sh - both planes offline on a lab capture taken during a third AS's hijack of a more-specific and its leak of another (SOURCES): the /24s hijacked-dies (hijack, route-leak: who, which prefix, still standing), the two /25s as announced prefixes of their own, the others both-planes-up; show reads it all back; a lying first_change_prefix refused with one line. run.sh PATHMORTEM
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh" "${1:-}" hijack
pcap=$here/hijacked.pcap
mrt=$here/mrt

an --mrt-dir "$mrt" --format json -o "$tmp/a.json" "$pcap" 2>"$tmp/err"
rc=$?
[ "$rc" = 1 ] || bad "analyze --mrt-dir: exit $rc (want 1: some paths died): $(cat "$tmp/err")"
python3 - "$tmp/a.json" <<'PY' && good || bad "JSON planes"
import json, sys
d = json.load(open(sys.argv[1]))
p = d["planes"]
u = {x["prefix"]: x for x in p["by_prefix"]}
a = {x["prefix"]: x for x in p["by_announced"]}
def key(x):
    return (x["conclusion"], x["confidence"], x["first_change"], x["first_change_as"],
            x.get("first_change_prefix"), x.get("first_change_standing"), x["data_plane"])
want = {
    "198.19.179.0/24": ("hijacked-dies", "high", "hijack", 64666, "198.19.179.0/25", True, "dead"),
    "198.19.176.0/24": ("hijacked-dies", "high", "route-leak", 64666, "198.19.176.0/25", True, "dead"),
    "198.19.177.0/24": ("both-planes-up", "high", "no-control-plane-change", None, None, None, "reachable"),
    "198.19.178.0/24": ("both-planes-up", "high", "no-control-plane-change", None, None, None, "reachable"),
}
got = {k: key(v) for k, v in u.items()}
assert got == want, got
want = {
    "198.19.179.0/25": ("hijacked-dies", "high", "hijack", 64666, "198.19.179.0/25", True, "dead"),
    "198.19.176.0/25": ("hijacked-dies", "high", "route-leak", 64666, "198.19.176.0/25", True, "dead"),
}
got = {k: key(v) for k, v in a.items()}
assert got == want, got
# the leaked /25's side is the leaker (the AS before the origin), and its paths die
s = a["198.19.176.0/25"]["sides"]
assert [(x["upstream_asn"], x["conclusion"]) for x in s] == [(64666, "carries-dies")], s
assert "planes" in d and d["summary"]["by_prefix"][3]["death"]["asn"] == 64666
PY
for f in text json; do
    an --mrt-dir "$mrt" --format "$f" "$pcap" >"$tmp/a.$f" 2>/dev/null
    "$bin" show --format "$f" "$tmp/a.json" >"$tmp/b.$f" 2>"$tmp/err"
    if cmp -s "$tmp/a.$f" "$tmp/b.$f"; then good; else bad "$f: show differs from analyze --mrt-dir"; diff "$tmp/a.$f" "$tmp/b.$f" | head -5; fi
done
grep -q '^198.19.179.0/24  hijacked-dies (high): announced, seen by 2 of 2 full-feed peers; hijack: AS64666 announced 198.19.179.0/25 (a more-specific) at 2026-12-03T14:21:58.000Z, not its origin; still announced; data plane: dead$' "$tmp/a.text" &&
    grep -q '^announced prefixes besides the /24s' "$tmp/a.text" &&
    grep -q '^198.19.176.0/25  hijacked-dies (high): withdrawn, seen by 1 of 2 full-feed peers; route-leak: AS64666 appeared before the origin on it at ' "$tmp/a.text" &&
    good || bad "text: $(sed -n '/^both planes/,/^$/p' "$tmp/a.text" | grep -v '^    ')"
an --mrt-dir "$mrt" --format html "$pcap" >"$tmp/a.html" 2>/dev/null
grep -q "<td>198.19.179.0/24</td><td>hijacked-dies (high)</td>" "$tmp/a.html" &&
    grep -q "<td>198.19.179.0/25 (announced)</td><td>hijacked-dies (high)</td>" "$tmp/a.html" && good ||
    bad "html: no hijacked-dies rows"
# bgp state on the same files names the hijacker's prefix
"$bin" bgp state --format json --mrt "$mrt/rib.20261202.0000.mrt" --mrt-updates "$mrt/updates.20261202.0000.mrt" \
    --at 2026-12-03T14:22:02Z 198.19.176.0/22 >"$tmp/state.json" 2>"$tmp/err" || bad "bgp state: $(cat "$tmp/err")"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
u={x["prefix"]: x for x in d["slash24"]}["198.19.179.0/24"]
assert (u["first_change"], u["first_change_as"], u["first_change_prefix"], u["first_change_standing"]) == ("hijack", 64666, "198.19.179.0/25", True), u' \
    "$tmp/state.json" && good || bad "bgp state: the hijack's prefix"
# a first_change_prefix that is no prefix is refused by show with one line
python3 - "$tmp/a.json" "$tmp/lie.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["planes"]["by_announced"][0]["first_change_prefix"] = "198.19.179.1/25"
json.dump(d, open(sys.argv[2], "w"))
PY
"$bin" show "$tmp/lie.json" >/dev/null 2>"$tmp/err"; rc=$?
[ "$rc" = 65 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "planes.by_announced\[0\].first_change_prefix" "$tmp/err" && good ||
    bad "a lying first_change_prefix: exit $rc, $(cat "$tmp/err")"

echo "hijack: $pass checks passed, $fail failed"
[ "$fail" = 0 ]
