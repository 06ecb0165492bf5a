#!/usr/bin/env bash
# names_rdns.sh - hop names by reverse DNS against a real name server (nsd) in the lab: names, NXDOMAIN, a silent zone, -n, every format; names_rdns.sh BUILD_DIR.
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
DNS=$SRC/tests/lab/dns.sh
lab_up
"$DNS" up "$LAB_PREFIX"
"$DNS" ptr >"$LAB_TMP/ptr.txt"
silent=$("$DNS" silent)
fail=0
bad() { echo "FAIL: $*" >&2; fail=1; }

# the server answers as the test expects before pathmortem is asked anything
got=$(lab_exec vp dig +short +time=1 +tries=1 -x 198.18.16.0)
[ "$got" = "xe-0-1-0.bjs-cu.chinaunicom.example." ] || bad "dig -x 198.18.16.0 from vp gave '$got'"

# check_names FILE.json: every reply's name is the PTR table's (or null for an
# address without a record, or in the silent zone); prints "named nx silent"
check_names() {
  python3 - "$1" "$LAB_TMP/ptr.txt" "$silent" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
ptr = dict(l.split() for l in open(sys.argv[2]) if l.strip())
silent = sys.argv[3].split(".")
silent24 = ".".join(reversed(silent[:3]))          # "198.18.52"
seen = {}
for t in doc["targets"]:
    for h in t["hops"]:
        for r in h["replies"]:
            if "name" not in r:
                sys.exit("reply from %s has no name field" % r["from"])
            seen[r["from"]] = r["name"]
named = nx = quiet = 0
for a, n in sorted(seen.items()):
    want = None if a.rsplit(".", 1)[0] == silent24 else ptr.get(a)
    if n != want:
        sys.exit("%s: name %r, want %r" % (a, n, want))
    if a.rsplit(".", 1)[0] == silent24:
        quiet += 1
    elif want:
        named += 1
    else:
        nx += 1
print(named, nx, quiet)
EOF
}

# 1. China Unicom side: names on every router but Star JV's border (NXDOMAIN)
start=$(date +%s%N)
pm trace --no-progress -q 1 --wait 1 --format json -o "$LAB_TMP/cu.json" -w "$LAB_TMP/cu.pcap" 198.19.176.71 || true
read -r named nx quiet < <(check_names "$LAB_TMP/cu.json") || { bad "names toward 198.19.176.71"; named=0; nx=0; quiet=0; }
[ "$named" -ge 5 ] && [ "$nx" -ge 1 ] || bad "toward 198.19.176.71: $named named, $nx NXDOMAIN (want >= 5 and >= 1)"
grep -q '"name": "xe-0-1-0.bjs-cu.chinaunicom.example"' "$LAB_TMP/cu.json" || bad "the China Unicom interconnect name is not in the JSON"

# the text shows name and address, and says what the lookups found
pm trace --no-progress -q 1 --wait 1 --no-pcap 198.19.176.71 >"$LAB_TMP/cu.txt" || true
grep -Eq '198\.18\.16\.0 +xe-0-1-0\.bjs-cu\.chinaunicom\.example ' "$LAB_TMP/cu.txt" || bad "text: no name beside 198.18.16.0"
grep -Eq '^names: [0-9]+ of [0-9]+ hop addresses named by reverse DNS, [0-9]+ without a name \(NXDOMAIN\)' \
  "$LAB_TMP/cu.txt" || bad "text: no names footer with NXDOMAIN: $(grep '^names' "$LAB_TMP/cu.txt")"

# show keeps the names; html and svg carry them
lab_exec vp "$BUILD/pathmortem" show "$LAB_TMP/cu.json" >"$LAB_TMP/show.txt" || true
grep -q 'xe-0-1-0.bjs-cu.chinaunicom.example' "$LAB_TMP/show.txt" || bad "show: the names of the JSON are lost"
for f in html svg; do
  lab_exec vp "$BUILD/pathmortem" show --format $f "$LAB_TMP/cu.json" >"$LAB_TMP/show.$f" || true
  # graphviz writes '-' as &#45; in SVG text
  # (into a file: grep -q ending a pipe early would make sed's SIGPIPE fail the pipeline)
  sed 's/&#45;/-/g' "$LAB_TMP/show.$f" >"$LAB_TMP/plain.$f"
  grep -q '>xe-0-1-0.bjs-cu.chinaunicom.example<' "$LAB_TMP/plain.$f" ||
    { bad "show --format $f: no router name in the graph"; grep -m3 -n 'bjs\|198.18.16.0' "$LAB_TMP/show.$f" >&2; }
done

# 2. the Russian side crosses TransTeleCom's silent zone: a timeout, within the budget
start=$(date +%s%N)
pm trace --no-progress -q 1 --wait 1 --format json -o "$LAB_TMP/ru.json" --no-pcap 198.19.177.5 || true
ms=$((($(date +%s%N) - start) / 1000000))
read -r named nx quiet < <(check_names "$LAB_TMP/ru.json") || { bad "names toward 198.19.177.5"; quiet=0; }
[ "$quiet" -ge 1 ] || bad "toward 198.19.177.5: no hop in the silent zone $silent"
grep -q '"name": "mail.star-co.example"' "$LAB_TMP/ru.json" || bad "the target's own name is missing"
pm trace --no-progress -q 1 --wait 1 --no-pcap 198.19.177.5 >"$LAB_TMP/ru.txt" || true
grep -Eq '^names: .*[1-9][0-9]* timed out' "$LAB_TMP/ru.txt" || bad "text: the timeout is not stated: $(grep '^names' "$LAB_TMP/ru.txt")"
# probing toward 198.19.177.5 takes ~8 hops x (1 query, wait 1 s at most); the
# names add at most their 4 s budget (c-ares: 1 s, then 2 s for the retry)
[ "$ms" -lt 20000 ] || bad "trace with a silent zone took $ms ms"
echo "trace toward 198.19.177.5 with a silent zone: $ms ms"

# 3. -n: no query reaches the server, no name in any output
before=$("$DNS" queries "$LAB_PREFIX")
pm trace --no-progress -q 1 --wait 1 -n --format json -o "$LAB_TMP/n.json" --no-pcap 198.19.176.71 || true
after=$("$DNS" queries "$LAB_PREFIX")
[ "$before" = "$after" ] || bad "-n: the server saw $((after - before)) queries"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(any(r["name"] for t in d["targets"] for h in t["hops"] for r in h["replies"]))' \
  "$LAB_TMP/n.json" || bad "-n: a name in the JSON"
pm trace --no-progress -q 1 --wait 1 --numeric --no-pcap 198.19.176.71 >"$LAB_TMP/n.txt" || true
grep -q 'chinaunicom.example\|^names:' "$LAB_TMP/n.txt" && bad "--numeric: names in the text"
[ "$after" -gt 0 ] || bad "the query counter never moved (the runs above did not reach the server?)"

# 4. the cache: one query per distinct address, however many replies it sent
n_addrs=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len({r["from"] for t in d["targets"] for h in t["hops"] for r in h["replies"]}))' "$LAB_TMP/cu.json")
before=$("$DNS" queries "$LAB_PREFIX")
pm trace --no-progress -q 3 --wait 1 --no-pcap --format json -o "$LAB_TMP/q3.json" 198.19.176.71 || true
after=$("$DNS" queries "$LAB_PREFIX")
[ $((after - before)) -le "$n_addrs" ] || bad "-q 3: $((after - before)) queries for $n_addrs addresses"

# 5. analyze of the pcap (issue 15): no query and no name unless --names, which names as trace did
before=$("$DNS" queries "$LAB_PREFIX")
pm analyze --format json -o "$LAB_TMP/an0.json" "$LAB_TMP/cu.pcap" || true
after=$("$DNS" queries "$LAB_PREFIX")
[ "$before" = "$after" ] || bad "analyze without --names: the server saw $((after - before)) queries"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(any(r["name"] for t in d["targets"] for h in t["hops"] for r in h["replies"]))' \
  "$LAB_TMP/an0.json" || bad "analyze without --names: a name in the JSON"
pm analyze --names --format json -o "$LAB_TMP/an.json" "$LAB_TMP/cu.pcap" || true
read -r named nx quiet < <(check_names "$LAB_TMP/an.json") || { bad "analyze --names of cu.pcap"; named=0; nx=0; }
[ "$named" -ge 5 ] && [ "$nx" -ge 1 ] || bad "analyze --names: $named named, $nx NXDOMAIN (want >= 5 and >= 1)"
pm analyze --names "$LAB_TMP/cu.pcap" >"$LAB_TMP/an.txt" || true
grep -Eq '198\.18\.16\.0 +xe-0-1-0\.bjs-cu\.chinaunicom\.example ' "$LAB_TMP/an.txt" || bad "analyze --names text: no name beside 198.18.16.0"
grep -Eq '^names: [0-9]+ of [0-9]+ hop addresses named' "$LAB_TMP/an.txt" || bad "analyze --names text: no names footer"
pm analyze --names --format svg -o "$LAB_TMP/an.svg" "$LAB_TMP/cu.pcap" || true
sed 's/&#45;/-/g' "$LAB_TMP/an.svg" >"$LAB_TMP/an.plain.svg"
grep -q '>xe-0-1-0.bjs-cu.chinaunicom.example<' "$LAB_TMP/an.plain.svg" || bad "analyze --names --format svg: no router name"

# 6. snapshot stores the names (issue 15, schema 5): history names an outage's death point,
# export every named hop, diff the death points; -n stores none. cu2a's withdrawal makes
# 198.19.176.0/24 die with !N from cu2a, 198.18.17.1 in the PTR table.
STORE=$LAB_TMP/store/store.db
mkdir -p "$LAB_TMP/store"
snap() { pm snapshot --store "$STORE" --no-progress --quiet -q 1 --wait 1 "$@" 198.19.176.71 198.19.177.5 || [ $? -le 2 ]; }
snap || bad "healthy snapshot"
lab_fault withdraw cu2a
snap || bad "snapshot during the withdrawal"
lab_repair withdraw cu2a
want_name=$(awk '$1 == "198.18.17.1" {print $2}' "$LAB_TMP/ptr.txt")
[ -n "$want_name" ] || bad "the PTR table has no name for cu2a's 198.18.17.1"
"$BUILD/pathmortem" history --store "$STORE" >"$LAB_TMP/hist.txt" || true
grep -Fq "198.19.176.0/24 unreachable since" "$LAB_TMP/hist.txt" || bad "history: no outage of 198.19.176.0/24: $(cat "$LAB_TMP/hist.txt")"
grep -Fq ", at 198.18.17.1 ($want_name)" "$LAB_TMP/hist.txt" ||
  bad "history text: the death point is not named $want_name: $(grep unreachable "$LAB_TMP/hist.txt")"
"$BUILD/pathmortem" history --store "$STORE" --format json >"$LAB_TMP/hist.json" || true
python3 - "$LAB_TMP/hist.json" "$want_name" <<'PY' || bad "history json: death.name"
import json, sys
eps = [e for e in json.load(open(sys.argv[1]))["episodes"] if e["prefix"] == "198.19.176.0/24" and e["state"] == "died"]
assert eps, "no died episode of 198.19.176.0/24"
d = eps[0]["death"]
assert d["addr"] == "198.18.17.1" and d["name"] == sys.argv[2], d
PY
"$BUILD/pathmortem" export --store "$STORE" >"$LAB_TMP/export.jsonl" || bad "export"
# every exported name is the PTR table's, and the provider-style names are there
python3 - "$LAB_TMP/export.jsonl" "$LAB_TMP/ptr.txt" <<'PY' || bad "export: hop names"
import json, sys
ptr = dict(l.split() for l in open(sys.argv[2]) if l.strip())
lines = [json.loads(l) for l in open(sys.argv[1])]
assert len(lines) == 2, len(lines)
for snap in lines:
    named = {}
    for t in snap["targets"]:
        for h in t["hops"]:
            if "name" in h:
                assert ptr.get(h["from"]) == h["name"], (h["from"], h["name"])
                named[h["from"]] = h["name"]
    assert "xe-0-1-0.bjs-cu.chinaunicom.example" in named.values(), named
    assert "xe-0-0-0.khv-ttk.transtelecom.example" in named.values(), named
print("export: %d and %d hop addresses named" % tuple(
    len({h["from"] for t in s["targets"] for h in t["hops"] if "name" in h}) for s in lines))
PY
"$BUILD/pathmortem" diff --store "$STORE" --prefix 198.19.176.0/24 >"$LAB_TMP/diff.txt" || true
grep -Eq "died at 198\.18\.17\.1 \(${want_name//./\\.}, hop [0-9]+\)" "$LAB_TMP/diff.txt" ||
  bad "diff: the death point is not named: $(grep -m2 died "$LAB_TMP/diff.txt")"
before=$("$DNS" queries "$LAB_PREFIX")
snap -n || bad "snapshot -n"
after=$("$DNS" queries "$LAB_PREFIX")
[ "$before" = "$after" ] || bad "snapshot -n: the server saw $((after - before)) queries"
"$BUILD/pathmortem" export --store "$STORE" --since -1m | tail -1 | grep -q '"name":"xe-' && bad "snapshot -n: names stored"

[ $fail -eq 0 ] && echo "PASS: hop names by reverse DNS (names, NXDOMAIN, a silent zone, -n, show/html/svg, analyze --names, stored by snapshot: history/export/diff)"
exit $fail
