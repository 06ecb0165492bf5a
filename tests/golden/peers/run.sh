#!/usr/bin/env bash
# run.sh - other systems' traceroute files through the real binary: analyze across vantages, import into a store, history --by-vantage; run.sh PATHMORTEM.
set -u
bin=$(realpath "${1:?usage: run.sh PATHMORTEM}")
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pm-peers.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export PATHMORTEM_STORE="$tmp/default-store.db"
fail=0
check() { # check NAME CONDITION-RESULT
  if [ "$2" = 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
cd "$tmp" || exit 1
# atlas-03 again a day later: prb 319's next round; and atlas-10 twice: read once
sed 's/"timestamp": 1361435986/"timestamp": 1361522386/; s/"endtime": 1361436009/"endtime": 1361522409/' \
  "$here/atlas-03.json" > later.json
cat "$here/atlas-00.json" "$here/atlas-03.json" "$here/atlas-10.json" "$here/atlas-11.json" "$here/atlas-12.json" \
  later.json "$here/atlas-10.json" > atlas.jsonl

# analyze: one document per vantage run, then across vantages and the IPv6 list
"$bin" analyze --format json atlas.jsonl > an.json 2> an.err
rc=$?
python3 - an.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "pathmortem-vantages/1", d["schema"]
assert [r["run"]["input"]["vantage_id"] for r in d["runs"]] == ["prb 190", "prb 319", "prb 394", "prb 319"]
assert all(r["run"]["assurance"] == "foreign" for r in d["runs"])
ac = {a["prefix"]: a for a in d["across"]}
assert ac["121.244.76.0/24"]["vantages"] == 2 and ac["121.244.76.0/24"]["died"] == 2, ac
assert ac["220.226.205.0/24"]["reached"] == 1, ac
assert len(d["ipv6"]) == 2 and d["ipv6"][0]["vantage"] == "prb 82"
# what Atlas cannot say is stated in every verdict's evidence
for r in d["runs"]:
    for t in r["targets"]:
        ev = " ".join(t["verdict"]["evidence"])
        assert "not checked by pathmortem, and the results carry no quoted header (confidence lowered)" in ev, ev
        assert "inferred from the data" in ev, ev
PY
r=$?; check "analyze atlas: runs, across, ipv6 (exit $rc, want 1)" $(( r != 0 || rc != 1 ))
"$bin" analyze --format csv --vantage 394 atlas.jsonl > one.csv 2>/dev/null
r=$?; check "analyze --vantage picks one run (exit $r)" $(( r != 0 ))
"$bin" analyze --format csv atlas.jsonl > /dev/null 2> many.err
rc=$?
check "csv of many vantages is a usage error" $(( rc != 64 ))

# import: one snapshot per probe and round; again: all skipped
"$bin" import --store s.db atlas.jsonl 2> imp.err
rc=$?
grep -q "imported 4 snapshots from 3 vantages, skipped 0 already stored; 2 IPv6 traces not stored" imp.err
r=$?; check "import atlas (exit $rc): $(head -1 imp.err)" $(( r != 0 || rc != 0 ))
"$bin" import --store s.db atlas.jsonl 2> imp2.err
grep -q "imported 0 snapshots from 3 vantages, skipped 4 already stored" imp2.err
r=$?; check "import again skips: $(head -1 imp2.err)" $r
"$bin" import --store s.db "$here/warts-trace_google_dns_v4_default.warts" 2> imp3.err
grep -q "imported 1 snapshot from 1 vantage" imp3.err
r=$?; check "import warts: $(head -1 imp3.err)" $r

# history per vantage, then all together
"$bin" history --store s.db --by-vantage --format json > h.json
rc=$?
python3 - h.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "pathmortem-history-vantages/1"
names = [v["vantage"] for v in d["vantages"]]
assert names == ["RIPE Atlas prb 190", "RIPE Atlas prb 319", "RIPE Atlas prb 394",
                 "scamper monitor ubuntu-linux-20-04-desktop"], names
eps = {v["vantage"]: v["history"] for v in d["vantages"]}
p319 = eps["RIPE Atlas prb 319"]
assert json.dumps(p319).count("121.244.76.0/24") >= 1
PY
r=$?; check "history --by-vantage (exit $rc)" $(( r != 0 || rc != 0 ))
"$bin" history --store s.db --by-vantage | grep -q "^== RIPE Atlas prb 319 (2 snapshots) =="
r=$?; check "history --by-vantage text sections" $r

# a failed import creates no store
"$bin" import --store new1.db "$here/bad_cut.json" 2> bad1.err
rc=$?
check "bad atlas import: exit $rc, no store" $(( rc != 65 )) ; [ -e new1.db ] && { echo "FAIL new1.db created"; fail=1; }
"$bin" export --store s.db > exp.jsonl 2>/dev/null
{ head -1 exp.jsonl; echo '{"schema":"pathmortem-snapshot/1","started":3}'; } > badexp.jsonl
"$bin" import --store new2.db badexp.jsonl 2> bad2.err
rc=$?
check "bad export import: exit $rc, no store ($(head -1 bad2.err))" $(( rc != 65 ))
[ -e new2.db ] && { echo "FAIL new2.db created"; fail=1; }
"$bin" import --store new3.db "$here/ping.json" 2> bad3.err
rc=$?
grep -q "RIPE Atlas ping results" bad3.err
r=$?; check "ping results named, exit $rc, no store" $(( r != 0 || rc != 65 ))
[ -e new3.db ] && { echo "FAIL new3.db created"; fail=1; }
"$bin" import --store new4.db exp.jsonl 2> good.err
r=$?; check "a good export still imports: $(head -1 good.err)" $r
# a capture of other tools' traceroutes imports too: vantage = the capturing host, tool kept; again: skipped
"$bin" import --store cap.db "$here/lab-tr-udp.pcap" 2> cap1.err
rc=$?
grep -q "imported 1 snapshot from 1 vantage, skipped 0 already stored" cap1.err
r=$?; check "import traceroute pcap (exit $rc): $(head -1 cap1.err)" $(( r != 0 || rc != 0 ))
"$bin" import --store cap.db "$here/lab-mtr.pcap" 2> cap2.err
"$bin" import --store cap.db "$here/lab-mtr.pcap" 2> cap3.err
grep -q "imported 0 snapshots from 1 vantage, skipped 1 already stored" cap3.err
r=$?; check "import mtr pcap again skips: $(head -1 cap3.err)" $r
"$bin" export --store cap.db > cap.jsonl 2>/dev/null
"$bin" history --store cap.db --by-vantage --format json > caph.json
rc=$?
python3 - cap.jsonl caph.json <<'PY'
import json, sys
snaps = [json.loads(l) for l in open(sys.argv[1])]
assert [s["vantage"] for s in snaps] == ["host 198.18.0.2"] * 2, [s["vantage"] for s in snaps]
assert [s["params"]["input"]["tool"] for s in snaps] == ["traceroute (UDP, classic)", "mtr (ICMP)"], snaps
assert all(s["params"]["input"]["format"] == "pcap" and s["params"]["assurance"] == "foreign" for s in snaps)
d = json.load(open(sys.argv[2]))
assert [v["vantage"] for v in d["vantages"]] == ["host 198.18.0.2"], d["vantages"]
# the lab truth (dense-withdraw-cu): .176 and .179 die, .177 and .178 reached
h = json.dumps(d["all"])
for p in ("198.19.176.0/24", "198.19.179.0/24", "198.19.177.0/24"):
    assert p in h, p
PY
r=$?; check "capture snapshots: vantage, tool, history (exit $rc)" $(( r != 0 || rc != 0 ))
"$bin" import --store new5.db "$here/lab-ping.pcap" 2> bad5.err
rc=$?
grep -q "nor another tool's traceroute" bad5.err
r=$?; check "a capture of a ping is named, exit $rc, no store" $(( r != 0 || rc != 65 ))
[ -e new5.db ] && { echo "FAIL new5.db created"; fail=1; }
# tracelb's first node has no time in the file (scamper's text shows none): null in JSON, "no rtt" in text, kept through show
"$bin" analyze --format json -o lb.json "$here/warts-tracelb_google_dns_v4_default.warts" 2>/dev/null
python3 - lb.json <<'PY'
import json, sys
hops = json.load(open(sys.argv[1]))["targets"][0]["hops"]
assert hops[0]["ttl"] == 1 and [r["rtt_ms"] for r in hops[0]["replies"]] == [None], hops[0]
assert all(r["rtt_ms"] is not None and r["rtt_ms"] > 0 for h in hops[1:] for r in h["replies"])
PY
r=$?
"$bin" show lb.json 2>/dev/null | grep -Eq "^   1  137\.194\.164\.254 +no rtt"
r2=$?; check "tracelb first node without a time (json, show)" $(( r != 0 || r2 != 0 ))
# a warts file cut inside its last record, after a whole tracelb: the rest is read, with a warning naming the cut
f="$here/warts-tracelb_google_dns_v4_default.warts"
head -c $(( $(stat -c %s "$f") - 5 )) "$f" > cut.warts
"$bin" analyze --format json -o cutlb.json cut.warts 2> cutlb.err
rc=$?
grep -q "warning: cut.warts: record 4 at byte 3538 is cut short (4 of 9 bytes): the 3 whole records before it were read" cutlb.err
r=$?
python3 -c "import json,sys; d=json.load(open('cutlb.json')); assert d['run']['input']['format'] == 'warts-tracelb'" 2>/dev/null
r2=$?; check "warts cut after a whole tracelb: read with a warning (exit $rc)" $(( r != 0 || r2 != 0 || rc != 0 ))
# a capture of pathmortem's own probes is not another tool's traceroute: refused, nothing created
"$bin" import --store new6.db "$here/../pcap/ok_icmp_eth.pcap" 2> own.err
rc=$?
grep -q "a capture of pathmortem's own probes" own.err
r=$?; check "own capture refused by import, exit $rc, no store" $(( r != 0 || rc != 65 ))
[ -e new6.db ] && { echo "FAIL new6.db created"; fail=1; }
exit $fail
