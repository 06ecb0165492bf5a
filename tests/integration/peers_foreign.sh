#!/usr/bin/env bash
# peers_foreign.sh - other tools' traceroutes in the lab: captures of Linux traceroute (UDP and ICMP) and mtr, and scamper's warts, analyzed by pathmortem, give the lab truth's verdicts (dense lab, China Unicom's routes withdrawn).
. "$(dirname "$0")/common.sh" "$1"
scenario_up dense
scenario_faults dense-withdraw-cu
# one target per /24: 176 and 179 die at cu2a (net unreachable), 177 and 178 reach via TransTeleCom
TARGETS="198.19.176.15 198.19.177.5 198.19.178.9 198.19.179.3"
need() { command -v "$1" >/dev/null || { echo "SKIP: $1 not installed (scripts/bootstrap.sh)"; exit 77; }; }
need traceroute
need tcpdump
# capture NAME CMD...: runs CMD for each target inside the vantage under tcpdump, the capture in NAME.pcap
capture() {
  local name=$1; shift
  lab_exec vp bash -c '
    out=$1; shift; targets=$1; shift
    tcpdump -i any -U -s 1024 -w "$out" "icmp or udp or tcp" 2>/dev/null & p=$!
    sleep 1
    for t in $targets; do "$@" "$t" >/dev/null 2>&1 || true; done
    sleep 1; kill -INT $p; wait $p || true' capture "$LAB_TMP/$name.pcap" "$TARGETS" "$@"
}
check_run() { # check_run NAME METHOD: the run read from NAME.pcap is METHOD, inferred, and as the truth says
  local name=$1 method=$2
  pm analyze --format json -o "$LAB_TMP/$name.json" "$LAB_TMP/$name.pcap" || [ $? -le 2 ]
  python3 - "$LAB_TMP/$name.json" "$method" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["run"]
assert r["method"] == sys.argv[2], r["method"]
assert r["input"]["format"] == "pcap" and r["assurance"] == "foreign", r["input"]
assert "first_ttl" in r["input"]["inferred"] and "queries" in r["input"]["inferred"], r["input"]
assert r["first_ttl"] == 1 and r["queries"] == 3, (r["first_ttl"], r["queries"])
assert len(d["targets"]) == 4, [t["dst"] for t in d["targets"]]
print("ok: %s: %s by %s, %d replies matched, inferred %s" % (sys.argv[1], r["method"], r["input"]["tool"],
      r["stats"]["replies_matched"], r["input"]["inferred"]))
PY
  truth "$LAB_TMP/$name.json"
}
capture tr-udp traceroute -n -q 3 -w 1 -m 12
check_run tr-udp udp
capture tr-icmp traceroute -I -n -q 3 -w 1 -m 12
check_run tr-icmp icmp
if command -v mtr >/dev/null; then
  capture mtr mtr -n -r -c 3 -m 12 -i 0.2
  check_run mtr icmp
fi
# scamper's own warts of the same paths
lab_exec vp scamper -O warts -o "$LAB_TMP/sc.warts" -c "trace -P udp-paris -q 2 -w 1 -m 12" -i $TARGETS >/dev/null 2>&1
pm analyze --format json -o "$LAB_TMP/sc.json" "$LAB_TMP/sc.warts" || [ $? -le 2 ]
python3 - "$LAB_TMP/sc.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["run"]["input"]["format"] == "warts", d["run"]["input"]
assert len(d["targets"]) == 4
print("ok: scamper warts: %d targets, vantage %s" % (len(d["targets"]), d["run"]["input"]["vantage_id"]))
PY
truth "$LAB_TMP/sc.json"
# a capture with no traceroute in it: one line naming it, exit 65
lab_exec vp bash -c 'tcpdump -i any -U -s 1024 -w "$1" icmp 2>/dev/null & p=$!; sleep 1
  scamper -O text -c "ping -c 3" -i 198.18.0.1 >/dev/null 2>&1; sleep 0.5; kill -INT $p; wait $p || true' x "$LAB_TMP/ping.pcap"
set +e
out=$("$BUILD/pathmortem" analyze "$LAB_TMP/ping.pcap" 2>&1); rc=$?
set -e
[ $rc -eq 65 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || { echo "FAIL: ping capture: exit $rc: $out"; exit 1; }
case $out in *", 0 IPv4,"*) echo "FAIL: the ping capture holds no packet: $out"; exit 1 ;; esac
echo "ok: ping capture refused: $out"
# PEERS_SAVE=DIR keeps the captures (tests/golden/peers/lab-*.pcap came from here)
if [ -n "${PEERS_SAVE:-}" ]; then
  for f in tr-udp.pcap tr-icmp.pcap mtr.pcap sc.warts ping.pcap; do [ -f "$LAB_TMP/$f" ] && cp "$LAB_TMP/$f" "$PEERS_SAVE/lab-$f"; done
fi
scenario_repair dense-withdraw-cu
