#!/usr/bin/env bash
# test_bgp.sh - the lab speaks BGP: BIRD 2 in kpbr, cu3, ttk2 and a route collector (beside the static routes), the collector's MRT files read by `bgp dump` as bgpdump reads them, and each fault as a BGP event judged by `bgp state`: origin withdrawal and re-announcement, one upstream dropping, a hijack, a flap.
# usage: test_bgp.sh [PATHMORTEM]   (root; exits 77 to be skipped otherwise)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require_root
command -v bird >/dev/null || { echo "SKIP: bird2 not installed" >&2; exit 77; }

BIN=$(readlink -f "${1:-${PATHMORTEM:-build/pathmortem}}")
[ -x "$BIN" ] || { echo "FAIL: no pathmortem binary at $BIN" >&2; exit 1; }
export PM_LAB_MRT_PERIOD=2
lab_up
lab_geo
lab_tmpdir
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

"$LAB_SH" bgp "$LAB_PREFIX" up
D=$("$LAB_SH" bgp "$LAB_PREFIX" files)

# fresh_rib NAME: waits for a RIB dump started after now and copies it to LAB_TMP/NAME.
fresh_rib() {
  local mark=$LAB_TMP/$1.mark f i
  touch "$mark"
  sleep 1
  for i in $(seq 1 40); do
    f=$(find "$D" -name 'rib.*.mrt' -newer "$mark" | sort | head -1)
    # written completely: the next one has started, or it is older than a second
    if [ -n "$f" ] && [ "$(find "$D" -name 'rib.*.mrt' -newer "$f" | wc -l)" -gt 0 ]; then
      cp "$f" "$LAB_TMP/$1.mrt"
      return 0
    fi
    sleep 0.5
  done
  echo "FAIL: no RIB dump after 20 s" >&2
  exit 1
}

# state RIB NAME: the state of the lab's /22 from RIB and the updates so far, as JSON in LAB_TMP/NAME.json.
state() {
  cp "$D/updates.mrt" "$LAB_TMP/$2.updates.mrt"
  "$BIN" bgp state --format json --mrt "$LAB_TMP/$1.mrt" --mrt-updates "$LAB_TMP/$2.updates.mrt" lab-starjv \
    >"$LAB_TMP/$2.json" 2>"$LAB_TMP/$2.err" || fail "$2: bgp state exit $?: $(cat "$LAB_TMP/$2.err")"
}

# expect NAME PREFIX FIELD VALUE (slash24 section)
expect() {
  local got
  got=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
u=[x for x in d["slash24"] if x["prefix"]==sys.argv[2]]
print(u[0].get(sys.argv[3]) if u else "MISSING")' "$LAB_TMP/$1.json" "$2" "$3" 2>/dev/null || echo UNREADABLE)
  if [ "$got" = "$4" ]; then ok "$1: $2 $3 = $4"; else fail "$1: $2 $3: want '$4', got '$got'"; fi
}

# The collector's files are read as bgpdump reads them.
fresh_rib rib0
for f in "$LAB_TMP/rib0.mrt" "$D/updates.mrt"; do
  bgpdump -m "$f" 2>/dev/null >"$LAB_TMP/ref"
  "$BIN" bgp dump "$f" >"$LAB_TMP/out"
  if cmp -s "$LAB_TMP/ref" "$LAB_TMP/out" && [ -s "$LAB_TMP/ref" ]; then ok "bgp dump = bgpdump -m on BIRD's $(basename "$f")"
  else fail "bgp dump differs from bgpdump -m on $(basename "$f")"; fi
done
"$BIN" bgp dump "$LAB_TMP/rib0.mrt" | grep -q '|198.19.176.0/24|4837 131279|' || fail "the collector's RIB lacks 198.19.176.0/24 via AS4837"

# The data plane is the static one: a live host still answers with BGP running.
lab_exec vp "$BIN" trace --no-progress --no-pcap --format json --asn-db "$LAB_ASN_DB" 198.19.176.71 \
  >"$LAB_TMP/trace.json" 2>"$LAB_TMP/trace.err" || true
grep -q '"reached"' "$LAB_TMP/trace.json" && ok "198.19.176.71 reached with BGP beside the static routes" ||
  fail "198.19.176.71 not reached with BGP up: $(head -c 300 "$LAB_TMP/trace.err")"

# 1. The origin withdraws everything: both upstream sides lose it together.
state rib0 base
expect base 198.19.176.0/24 state announced
expect base 198.19.176.0/24 full_feed_seen 2
"$LAB_SH" bgp "$LAB_PREFIX" event origin-withdraw
sleep 2
state rib0 withdraw
for p in 198.19.176.0/24 198.19.177.0/24 198.19.178.0/24 198.19.179.0/24; do
  expect withdraw $p state withdrawn
  expect withdraw $p first_change origin-withdrawal
done
expect withdraw 198.19.176.0/24 full_feed_seen 0
expect withdraw 198.19.176.0/24 first_change_as 131279
# ... and announces it again: announced, the last change recorded, no standing change.
"$LAB_SH" bgp "$LAB_PREFIX" event origin-announce
sleep 2
state rib0 reannounce
expect reannounce 198.19.176.0/24 state announced
expect reannounce 198.19.176.0/24 first_change no-control-plane-change
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["slash24"][0]["last_change"]' "$LAB_TMP/reannounce.json" &&
  ok "re-announcement: last change recorded" || fail "re-announcement: no last change"

# 2. China Unicom's side drops it (its session to the border goes down).
fresh_rib rib1
"$LAB_SH" bgp "$LAB_PREFIX" event upstream-drop cu3
sleep 2
state rib1 drop
expect drop 198.19.176.0/24 first_change one-upstream-dropped
expect drop 198.19.176.0/24 first_change_as 4837
expect drop 198.19.176.0/24 upstreams "[20485]"
expect drop 198.19.176.0/24 full_feed_seen 1
"$LAB_SH" bgp "$LAB_PREFIX" event upstream-restore cu3
sleep 3

# 3. A hijack: TransTeleCom originates 198.19.179.0/24 itself.
fresh_rib rib2
"$LAB_SH" bgp "$LAB_PREFIX" event hijack
sleep 2
state rib2 hijack
expect hijack 198.19.179.0/24 first_change hijack
expect hijack 198.19.179.0/24 first_change_as 20485
expect hijack 198.19.176.0/24 first_change no-control-plane-change
"$LAB_SH" bgp "$LAB_PREFIX" event hijack-end
sleep 2

# 4. A flap of one /24: announced at the end, its last change after the RIB.
fresh_rib rib3
"$LAB_SH" bgp "$LAB_PREFIX" event flap 198.19.177.0/24
sleep 2
state rib3 flap
expect flap 198.19.177.0/24 state announced
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); u=[x for x in d["slash24"] if x["prefix"]=="198.19.177.0/24"][0]; assert u["last_change"] and u["last_change"] > d["rib_time"], u' "$LAB_TMP/flap.json" &&
  ok "flap: last change after the RIB" || fail "flap: no last change after the RIB"
expect flap 198.19.176.0/24 last_change None

# 5. Both planes: the origin withdraws and the routers' routes go with it (the
# data plane is static: the faults delete the routes at the last upstream
# routers), a sweep records the pcap, analyze --mrt-dir joins them.
fresh_rib rib4
"$LAB_SH" bgp "$LAB_PREFIX" event origin-withdraw
lab_fault withdraw cu3
lab_fault withdraw ttk2
sleep 1
lab_exec vp "$BIN" trace --no-progress --asn-db "$LAB_ASN_DB" -w "$LAB_TMP/both.pcap" lab-starjv \
  >"$LAB_TMP/both.trace" 2>"$LAB_TMP/both.trace.err" || true
mkdir -p "$LAB_TMP/mrt"
cp "$LAB_TMP/rib4.mrt" "$LAB_TMP/mrt/rib.20261202.0000.mrt"
cp "$D/updates.mrt" "$LAB_TMP/mrt/updates.20261202.0000.mrt"
chmod 755 "$LAB_TMP/mrt"
"$BIN" analyze --asn-db "$LAB_ASN_DB" --mrt-dir "$LAB_TMP/mrt" "$LAB_TMP/both.pcap" >"$LAB_TMP/both.txt" 2>"$LAB_TMP/both.err" || true
for p in 198.19.176.0/24 198.19.177.0/24 198.19.178.0/24 198.19.179.0/24; do
  if grep -q "^$p  withdrawn-dies (high): withdrawn, seen by 0 of 2 full-feed peers; origin-withdrawal: withdrawn by its origin AS131279" "$LAB_TMP/both.txt"; then
    ok "both planes: $p withdrawn-dies, origin withdrawal"
  else
    fail "both planes: $p: $(grep "^$p " "$LAB_TMP/both.txt" || cat "$LAB_TMP/both.err")"
  fi
done
grep -q "^both planes (control plane from $LAB_TMP/mrt" "$LAB_TMP/both.txt" || fail "both planes: no section header"
sed -n '/^both planes/,$p' "$LAB_TMP/both.txt"
lab_repair withdraw cu3
lab_repair withdraw ttk2
"$LAB_SH" bgp "$LAB_PREFIX" event origin-announce

"$LAB_SH" bgp "$LAB_PREFIX" down
[ "$fails" = 0 ] && echo "all lab BGP checks passed"
exit $((fails > 0))
