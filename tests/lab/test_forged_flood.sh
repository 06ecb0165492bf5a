#!/usr/bin/env bash
# test_forged_flood.sh - during a lab sweep, atk floods the vantage with forged ICMP (bounded: 200k packets, <= 10 s) and acc duplicates every real answer; no forged or duplicate reply may become a hop, the rejections must be counted, and peak memory must stay bounded.
# usage: test_forged_flood.sh [PATHMORTEM] [PM_FORGE]   (root; exits 77 to be skipped otherwise)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require_root

BIN=$(readlink -f "${1:-${PATHMORTEM:-build/pathmortem}}")
FORGE=$(readlink -f "${2:-${PM_FORGE:-build/tests/lab/pm_forge}}")
[ -x "$BIN" ] || { echo "FAIL: no pathmortem binary at $BIN" >&2; exit 1; }
[ -x "$FORGE" ] || { echo "FAIL: no pm_forge binary at $FORGE" >&2; exit 1; }

# Stated bounds. The flood: 200000 packets within 8 s (25k/s), from 198.18.99.0/24,
# a net the lab topology never uses. Peak RSS: the capture ring (64 MiB,
# PM_CAPTURE_BUFFER) plus the run's bounded tables; the flood must not add to it
# beyond FLOOD_RSS_SLACK_KB over a quiet run of the same sweep.
FLOOD_COUNT=200000
FLOOD_SECONDS=8
FORGED_NET=198.18.99.0
MAX_RSS_KB=$((192 * 1024))
FLOOD_RSS_SLACK_KB=$((16 * 1024))

lab_up
lab_geo
lab_tmpdir
VP=198.18.0.2
SWEEP=(trace -r 250 --timeout 15 --format json --asn-db "$LAB_ASN_DB")
TARGET=198.19.176.0/22
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

hwm() { awk '$1 == "VmHWM:" { print $2 }' "/proc/$1/status" 2>/dev/null || true; }

# sweep NAME [flood]: runs the sweep in vp (with the flood from atk once the
# sweep has dropped privileges), samples VmHWM until it ends; prints peak KB.
sweep() {
  local name=$1 flood=${2:-} pid peak=0 v fpid="" i rc
  "$LAB_SH" exec "$LAB_PREFIX" vp "$BIN" "${SWEEP[@]}" -w "$LAB_TMP/$name.pcap" "$TARGET" \
    >"$LAB_TMP/$name.json" 2>"$LAB_TMP/$name.err" &
  pid=$!
  for i in $(seq 1 100); do   # until the sweep is running unprivileged (capture open)
    [ "$(awk '$1 == "NoNewPrivs:" { print $2 }' "/proc/$pid/status" 2>/dev/null)" = 1 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -n "$flood" ]; then
    "$LAB_SH" exec "$LAB_PREFIX" atk timeout 12 "$FORGE" "$VP" "$FORGED_NET" 198.19.176.0 \
      "$FLOOD_COUNT" "$FLOOD_SECONDS" >"$LAB_TMP/forge.out" 2>&1 &
    fpid=$!
  fi
  while kill -0 "$pid" 2>/dev/null; do
    v=$(hwm "$pid")
    [ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v
    sleep 0.2
  done
  set +e
  wait "$pid"
  rc=$?
  [ -z "$fpid" ] || wait "$fpid"
  set -e
  case $rc in 0|1|2|3) ;; *) fail "$name sweep: exit $rc: $(head -1 "$LAB_TMP/$name.err")" ;; esac
  echo "$peak"
}

# check NAME: the document's hops and counters (run by python on the JSON).
check() {
  python3 - "$LAB_TMP/$1.json" "$1" "$FORGED_NET" "${2:-}" <<'PY'
import ipaddress, json, sys
path, name, forged, flood = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
try:
    d = json.load(open(path))
except ValueError as e:
    print("FAIL: %s: output is not JSON: %s" % (name, e)); sys.exit(1)
net = ipaddress.ip_network(forged + "/24")
lab = ipaddress.ip_network("198.18.0.0/15")
st = d["run"]["stats"]
bad, hops, seen = [], 0, set()
for t in d["targets"]:
    for h in t["hops"]:
        keys = set()
        for r in h["replies"]:
            a = ipaddress.ip_address(r["from"])
            if a in net or a not in lab:
                bad.append("%s ttl %d from %s" % (t["dst"], h["ttl"], r["from"]))
            seen.add(r["from"])
        hops += bool(h["replies"])
rej = {k: v for k, v in st.items() if k.startswith("rejected_") or k == "dropped_malformed"}
print("%s: %d targets, %d answering hops, %d distinct responders, matched %d, %s"
      % (name, len(d["targets"]), hops, len(seen), st["replies_matched"],
         " ".join("%s=%d" % kv for kv in sorted(rej.items()))))
ok = True
if bad:
    print("FAIL: %s: %d forged replies became hops, e.g. %s" % (name, len(bad), bad[:3])); ok = False
if hops == 0:
    print("FAIL: %s: no hop answered at all" % name); ok = False
if flood:
    if sum(v for k, v in rej.items() if k != "rejected_duplicate") < 1000:
        print("FAIL: %s: the flood's rejections were not counted" % name); ok = False
    if st["rejected_duplicate"] == 0:
        print("FAIL: %s: duplicated answers were not counted as duplicates" % name); ok = False
sys.exit(0 if ok else 1)
PY
}

# 1. A quiet sweep: the memory baseline and the healthy picture.
quiet_peak=$(sweep quiet | tail -1)
check quiet || fail "quiet sweep"

# 2. The same sweep under the flood, with acc duplicating every ICMP answer to vp.
lab_exec acc iptables -t mangle -A POSTROUTING -o vp -d "$VP" -p icmp -j TEE --gateway "$VP"
flood_peak=$(sweep flood yes | tail -1)
lab_exec acc iptables -t mangle -D POSTROUTING -o vp -d "$VP" -p icmp -j TEE --gateway "$VP"
cat "$LAB_TMP/forge.out"
grep -q '^forged [1-9]' "$LAB_TMP/forge.out" || fail "the forger sent nothing"
check flood yes || fail "flood sweep"

# 3. The pcap of the flooded run, analyzed later, rejects the same packets.
set +e
"$BIN" analyze --format json --asn-db "$LAB_ASN_DB" "$LAB_TMP/flood.pcap" >"$LAB_TMP/flood-analyze.json" 2>"$LAB_TMP/analyze.err"
rc=$?
set -e
case $rc in 0|1|2|3) check flood-analyze yes || fail "analyze of the flooded pcap" ;;
  *) fail "analyze of the flooded pcap: exit $rc: $(head -1 "$LAB_TMP/analyze.err")" ;; esac

echo "peak RSS: quiet ${quiet_peak} KB, flooded ${flood_peak} KB (bound ${MAX_RSS_KB} KB, slack ${FLOOD_RSS_SLACK_KB} KB)"
[ "${flood_peak:-0}" -gt 0 ] || fail "no VmHWM sample of the flooded sweep"
[ "${flood_peak:-0}" -le "$MAX_RSS_KB" ] || fail "flooded sweep peaked at ${flood_peak} KB > ${MAX_RSS_KB} KB"
[ "${flood_peak:-0}" -le $((quiet_peak + FLOOD_RSS_SLACK_KB)) ] || fail "the flood grew peak RSS by more than ${FLOOD_RSS_SLACK_KB} KB"

if [ $fails -ne 0 ]; then
  echo "test_forged_flood: $fails failure(s)" >&2
  exit 1
fi
echo "test_forged_flood: ok"
