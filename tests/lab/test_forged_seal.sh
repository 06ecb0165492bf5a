#!/usr/bin/env bash
# test_forged_seal.sh - sealed probes against a blind forger: during a lab sweep and during a snapshot, atk sends the full 2^16-identity brute force (the unsealed check word a forger can compute) and a seeded random sweep of the other quoted bits (10^6 packets, bounded in time); 0 forgeries accepted, live and offline, every refusal counted under its reason.
# usage: test_forged_seal.sh [PATHMORTEM] [PM_FORGE_SEAL]   (root; exits 77 to be skipped otherwise)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require_root

BIN=$(readlink -f "${1:-${PATHMORTEM:-build/pathmortem}}")
FORGE=$(readlink -f "${2:-${PM_FORGE_SEAL:-build/tests/lab/pm_forge_seal}}")
[ -x "$BIN" ] || { echo "FAIL: no pathmortem binary at $BIN" >&2; exit 1; }
[ -x "$FORGE" ] || { echo "FAIL: no pm_forge_seal binary at $FORGE" >&2; exit 1; }

# Stated bounds: 2 x 65536 brute-force packets then RANDOM random ones, all
# within FORGE_SECONDS, from 198.18.99.0/24 (a net the topology never uses)
# and spoofed from the swept targets (echo replies). The sweep is cut by
# --timeout after RUN_SECONDS, so every forged packet arrives while it runs.
RANDOM_COUNT=${PM_SEAL_RANDOM:-1000000}
FORGE_SECONDS=35
RUN_SECONDS=42
SEED=20261202
FORGED_NET=198.18.99.0

lab_up
lab_geo
lab_tmpdir
VP=198.18.0.2
TARGET=198.19.176.0/22
COMMON=(-r 60 --wait 1 --format json --asn-db "$LAB_ASN_DB")
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# run NAME forge|quiet CMD...: runs a pathmortem command in vp, starts the
# forger once it has dropped privileges, waits for both.
run() {
  local name=$1 mode=$2 pid fpid="" i rc
  shift 2
  "$LAB_SH" exec "$LAB_PREFIX" vp "$BIN" "$@" >"$LAB_TMP/$name.json" 2>"$LAB_TMP/$name.err" &
  pid=$!
  for i in $(seq 1 100); do
    [ "$(awk '$1 == "NoNewPrivs:" { print $2 }' "/proc/$pid/status" 2>/dev/null)" = 1 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$mode" = forge ]; then
    "$LAB_SH" exec "$LAB_PREFIX" atk timeout $((FORGE_SECONDS + 5)) "$FORGE" "$VP" "$FORGED_NET" 198.19.176.0 \
      "$RANDOM_COUNT" "$FORGE_SECONDS" "$SEED" >"$LAB_TMP/$name.forge" 2>&1 &
    fpid=$!
  fi
  set +e
  wait "$pid"
  rc=$?
  [ -z "$fpid" ] || wait "$fpid"
  set -e
  case $rc in 0|1|2|3) ;; *) fail "$name: exit $rc: $(head -1 "$LAB_TMP/$name.err")" ;; esac
  [ -z "$fpid" ] || cat "$LAB_TMP/$name.forge"
}

# check NAME [FORGE-LOG]: no forged hop, no target reached that the quiet
# run did not reach, and (with the forger's log) the refusals add up.
check() {
  python3 - "$LAB_TMP/$1.json" "$1" "$FORGED_NET" "$LAB_TMP/quiet.json" "${2:-}" <<'PY'
import ipaddress, json, re, sys
path, name, forged, quiet_path, log = sys.argv[1:6]
try:
    d = json.load(open(path))
except ValueError as e:
    print("FAIL: %s: output is not JSON: %s" % (name, e)); sys.exit(1)
net = ipaddress.ip_network(forged + "/24")
st = d["run"]["stats"]
# every forged packet carries the forger's IP ID (0x7777 ICMP errors, 0x5555
# echo replies, tests/fuzz/fuzz_build.c) and leaves with TTL 250, and the
# errors come from its net; the lab's routers and hosts send with TTL 64, and
# a real router's IP ID counter does hit a marker now and then (CI saw ttk2's
# time exceeded with one), so the marker counts only with the TTL
def forged_reply(r):
    if ipaddress.ip_address(r["from"]) in net:
        return True
    return r.get("reply_ipid") in (0x7777, 0x5555) and r.get("reply_ttl", 0) > 128
bad = ["%s ttl %d from %s" % (t["dst"], h["ttl"], r["from"])
       for t in d["targets"] for h in t["hops"] for r in h["replies"] if forged_reply(r)]
refused = {k: v for k, v in st.items() if k.startswith("rejected_") or k == "dropped_malformed"}
print("%s: assurance %s, matched %d, %s, capture drops %d"
      % (name, d["run"].get("assurance"), st["replies_matched"],
         " ".join("%s=%d" % kv for kv in sorted(refused.items()) if kv[1]), st["capture_drops"]))
ok = True
if d["run"].get("assurance") != "sealed":
    print("FAIL: %s: not verified with the run's secret" % name); ok = False
if bad:
    print("FAIL: %s: %d forged replies were accepted, e.g. %s" % (name, len(bad), bad[:3])); ok = False
if not any(h["replies"] for t in d["targets"] for h in t["hops"]):
    print("FAIL: %s: no hop answered at all" % name); ok = False
if log:
    m = re.search(r"forged (\d+) packets", open(log).read())
    sent = int(m.group(1)) if m else 0
    brute = sum(int(x) for x in re.findall(r"brute-[a-z-]+=(\d+)", open(log).read()))
    if brute < 2 * 65536:
        print("FAIL: %s: the brute force was not sent whole (%d of %d)" % (name, brute, 2 * 65536)); ok = False
    counted = sum(v for k, v in refused.items() if k not in ("rejected_duplicate",))
    # every forged packet the capture saw is refused under some reason; the
    # kernel may drop some before the capture (capture_drops says how many)
    if counted + st["capture_drops"] < 0.95 * sent:
        print("FAIL: %s: %d forged packets sent, only %d refusals counted (+%d capture drops)"
              % (name, sent, counted, st["capture_drops"])); ok = False
    if st.get("rejected_foreign", 0) == 0 or st.get("rejected_forged", 0) == 0:
        print("FAIL: %s: foreign identities and failed seals are not both counted" % name); ok = False
sys.exit(0 if ok else 1)
PY
}

# 1. quiet sweep: what the lab really answers
run quiet quiet trace "${COMMON[@]}" --timeout "$RUN_SECONDS" -w "$LAB_TMP/quiet.pcap" "$TARGET"
check quiet || fail "quiet sweep"
rm -f "$LAB_TMP/quiet.pcap"

# 2. a sweep under the forger, then its pcap analysed offline
run sweep forge trace "${COMMON[@]}" --timeout "$RUN_SECONDS" -w "$LAB_TMP/sweep.pcap" "$TARGET"
check sweep "$LAB_TMP/sweep.forge" || fail "forged sweep"
set +e
"$BIN" analyze --format json --asn-db "$LAB_ASN_DB" "$LAB_TMP/sweep.pcap" >"$LAB_TMP/sweep-analyze.json" 2>"$LAB_TMP/analyze.err"
rc=$?
set -e
case $rc in 0|1|2|3) check sweep-analyze "$LAB_TMP/sweep.forge" || fail "analyze of the forged sweep's pcap" ;;
  *) fail "analyze of the forged sweep's pcap: exit $rc: $(head -1 "$LAB_TMP/analyze.err")" ;; esac
python3 - "$LAB_TMP/sweep.json" "$LAB_TMP/sweep-analyze.json" <<'PY' || fail "live and offline counts differ"
import json, sys
a, b = (json.load(open(p))["run"]["stats"] for p in sys.argv[1:3])
keys = [k for k in a if k.startswith("rejected_") and k != "rejected_late"] + ["replies_matched"]
diff = {k: (a[k], b.get(k)) for k in keys if a[k] != b.get(k)}
if diff:
    print("FAIL: live vs offline: %s" % diff); sys.exit(1)
PY

# 3. a snapshot under the same forger
# the store directory must not exist yet: snapshot creates it for the user it drops to
run snapshot-run forge snapshot "${COMMON[@]}" --timeout "$RUN_SECONDS" --store "$LAB_TMP/store/store.db" \
  -w "$LAB_TMP/snapshot.pcap" "$TARGET"
grep -q '^snapshot [0-9]' "$LAB_TMP/snapshot-run.json" || fail "the snapshot was not stored: $(head -1 "$LAB_TMP/snapshot-run.err")"
cp "$LAB_TMP/snapshot-run.forge" "$LAB_TMP/snapshot.forge"
set +e
"$BIN" analyze --format json --asn-db "$LAB_ASN_DB" "$LAB_TMP/snapshot.pcap" >"$LAB_TMP/snapshot.json" 2>"$LAB_TMP/analyze.err"
rc=$?
set -e
case $rc in 0|1|2|3) check snapshot "$LAB_TMP/snapshot.forge" || fail "forged snapshot (its pcap)" ;;
  *) fail "analyze of the forged snapshot's pcap: exit $rc: $(head -1 "$LAB_TMP/analyze.err")" ;; esac

if [ $fails -ne 0 ]; then
  echo "test_forged_seal: $fails failure(s)" >&2
  exit 1
fi
echo "test_forged_seal: ok"
