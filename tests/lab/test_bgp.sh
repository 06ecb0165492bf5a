#!/usr/bin/env bash
# test_bgp.sh - the lab speaks BGP: BIRD 2 in kpbr, cu3, ttk2, a third AS (hj) and a route collector, the collector's MRT files read by `bgp dump` as bgpdump reads them, and each fault as a BGP event judged by `bgp state` and by both planes joined live and from the pcap: origin withdrawal and re-announcement, one upstream dropping (its session, its import filter), a hijack and a leak by a third AS, a flap.
# usage: test_bgp.sh [PATHMORTEM]   (root; exits 77 to be skipped otherwise)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require_root
# BIRD is part of the lab (scripts/bootstrap.sh installs bird2): its absence is a failure, never a skip.
command -v bird >/dev/null && command -v bgpdump >/dev/null ||
  { echo "FAIL: bird (Debian bird2) or bgpdump is not installed: run scripts/bootstrap.sh" >&2; exit 1; }

BIN=$(readlink -f "${1:-${PATHMORTEM:-build/pathmortem}}")
[ -x "$BIN" ] || { echo "FAIL: no pathmortem binary at $BIN" >&2; exit 1; }
export PM_LAB_MRT_PERIOD=2
lab_up
lab_geo
lab_tmpdir
# the collector writes where pathmortem, dropped to nobody, can read it
export PM_LAB_MRT_DIR=$LAB_TMP/collector
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok   $*"; }

"$LAB_SH" bgp "$LAB_PREFIX" up
D=$("$LAB_SH" bgp "$LAB_PREFIX" files)
BGPD=${PM_LAB_RUN:-/run/pathmortem-lab}/$LAB_PREFIX/bgp

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

# The upstream borders forward by BGP: their routes to the /24s are BIRD's, and a live host answers.
for n in cu3 ttk2; do
  got=$(lab_exec "$n" ip route show 198.19.176.0/24)
  case "$got" in *"proto bird"*) ok "$n forwards 198.19.176.0/24 by BGP" ;; *) fail "$n: 198.19.176.0/24 is '$got', not BIRD's" ;; esac
  [ -z "$(lab_exec "$n" ip route show proto static root 198.19.176.0/22)" ] || fail "$n still has static routes to the /22"
done
# ... and Star JV's border forwards out of its AS by the routes its upstreams announce it
got=$(lab_exec kpbr ip route show 198.18.0.0/21)
case "$got" in *"proto bird"*"via 198.18.20.4"*|*"via 198.18.20.4"*"proto bird"*) ok "kpbr reaches the vantage's network by BGP via cu3" ;; *) fail "kpbr: 198.18.0.0/21 is '$got'" ;; esac
got=$(lab_exec kpbr ip route show 198.18.32.0/20)
case "$got" in *"via 198.18.52.2"*"proto bird"*) ok "kpbr reaches Rostelecom by BGP via ttk2" ;; *) fail "kpbr: 198.18.32.0/20 is '$got'" ;; esac
# (its routes inside its AS, 198.19.176.0/22: hosts and dark space, stay static)
outside=$(lab_exec kpbr ip route show proto static | awk '{d = ($1 ~ /^(unreachable|blackhole|prohibit)$/) ? $2 : $1} d !~ /^198\.19\.17[6-9]\./')
[ -z "$outside" ] && ok "kpbr has no static route out of its AS" || fail "kpbr still has static routes out of its AS: $outside"
lab_exec vp "$BIN" trace --no-progress --no-pcap --format json --asn-db "$LAB_ASN_DB" 198.19.176.71 \
  >"$LAB_TMP/trace.json" 2>"$LAB_TMP/trace.err" || true
grep -q '"reached"' "$LAB_TMP/trace.json" && ok "198.19.176.71 reached through the routes of BGP" ||
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

# 3. A hijack: a third AS (hj, AS64666, China Unicom's customer) originates
# 198.19.179.0/25, a more-specific of Star JV's last /24.
fresh_rib rib2
"$LAB_SH" bgp "$LAB_PREFIX" event hijack
sleep 2
state rib2 hijack
expect hijack 198.19.179.0/24 first_change hijack
expect hijack 198.19.179.0/24 first_change_as 64666
expect hijack 198.19.179.0/24 first_change_prefix 198.19.179.0/25
expect hijack 198.19.179.0/24 first_change_standing True
expect hijack 198.19.176.0/24 first_change no-control-plane-change
"$LAB_SH" bgp "$LAB_PREFIX" event hijack-end
sleep 2
state rib2 hijackend
expect hijackend 198.19.179.0/24 first_change_standing False

# 4. A flap of one /24: announced at the end, its last change after the RIB.
fresh_rib rib3
"$LAB_SH" bgp "$LAB_PREFIX" event flap 198.19.177.0/24
sleep 2
state rib3 flap
expect flap 198.19.177.0/24 state announced
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); u=[x for x in d["slash24"] if x["prefix"]=="198.19.177.0/24"][0]; assert u["last_change"] and u["last_change"] > d["rib_time"], u' "$LAB_TMP/flap.json" &&
  ok "flap: last change after the RIB" || fail "flap: no last change after the RIB"
expect flap 198.19.176.0/24 last_change None

# Both planes, with forwarding from BGP: no route is deleted by hand; the
# BGP events themselves leave cu3 and ttk2 without a route.
HOSTS="198.19.176.8 198.19.176.71 198.19.177.5 198.19.177.9 198.19.178.9 198.19.178.77 198.19.179.3 198.19.179.9"
P24S="198.19.176.0/24 198.19.177.0/24 198.19.178.0/24 198.19.179.0/24"

# route_is NODE PREFIX yes|no: waits up to 10 s for NODE to have (or lack) BIRD's route.
route_is() {
  local i has
  for i in $(seq 1 40); do
    has=no
    lab_exec "$1" ip route show "$2" proto bird | grep -q . && has=yes
    [ "$has" = "$3" ] && return 0
    sleep 0.25
  done
  return 1
}

# archive NAME RIB: a directory laid out as a RIS archive holds it: a RIB
# dumped before the event and the collector's live update file.
archive() {
  mkdir -p "$LAB_TMP/$1"
  cp "$LAB_TMP/$2.mrt" "$LAB_TMP/$1/rib.20261202.0000.mrt"
  ln -sf "$D/updates.mrt" "$LAB_TMP/$1/updates.20261202.0000.mrt"
  chmod 755 "$LAB_TMP/$1"
}

# live NAME DIR: trace --mrt-dir DIR of HOSTS, JSON in LAB_TMP/NAME.json, pcap NAME.pcap.
live() {
  local rc=0
  lab_exec vp "$BIN" trace --no-progress -n --asn-db "$LAB_ASN_DB" --mrt-dir "$2" --format json \
    -o "$LAB_TMP/$1.json" -w "$LAB_TMP/$1.pcap" $HOSTS 2>"$LAB_TMP/$1.err" || rc=$?
  case $rc in 0 | 1 | 2) ok "$1: trace --mrt-dir exit $rc" ;; *) fail "$1: trace --mrt-dir exit $rc: $(head -c 300 "$LAB_TMP/$1.err")" ;; esac
}

# plane NAME PREFIX FIELD VALUE: planes.by_prefix of LAB_TMP/NAME.json.
# side NAME PREFIX ASN FIELD VALUE: one upstream side of it.
jget() {
  python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
u=[x for x in d["planes"]["by_prefix"] if x["prefix"]==sys.argv[2]]
if len(sys.argv) > 4:
    u=[s for s in u[0]["sides"] if s["upstream_asn"]==int(sys.argv[3])] if u else []
    f=sys.argv[4]
else:
    f=sys.argv[3]
print(u[0].get(f) if u else "MISSING")' "$@" 2>/dev/null || echo UNREADABLE
}
plane() {
  local got
  got=$(jget "$LAB_TMP/$1.json" "$2" "$3")
  if [ "$got" = "$4" ]; then ok "$1: $2 $3 = $4"; else fail "$1: $2 $3: want '$4', got '$got'"; fi
}
side() {
  local got
  got=$(jget "$LAB_TMP/$1.json" "$2" "$3" "$4")
  if [ "$got" = "$5" ]; then ok "$1: $2 via AS$3 $4 = $5"; else fail "$1: $2 via AS$3 $4: want '$5', got '$got'"; fi
}
# up_of P: the upstream side the lab's paths to /24 P take (paths.tsv)
up_of() { case "$1" in 198.19.176.0/24 | 198.19.179.0/24) echo 4837 ;; *) echo 20485 ;; esac; }

# 5. The origin withdraws: both borders lose the routes, the paths die there,
# and the joined verdict says why, live and from the pcap.
fresh_rib rib4
archive w "rib4"
"$LAB_SH" bgp "$LAB_PREFIX" event origin-withdraw
for n in cu3 ttk2; do route_is "$n" 198.19.176.0/24 no && ok "$n lost its route with the withdrawal" || fail "$n kept its route after the withdrawal"; done
live withdrawn "$LAB_TMP/w"
for p in $P24S; do
  plane withdrawn $p conclusion withdrawn-dies
  plane withdrawn $p confidence high
  plane withdrawn $p first_change origin-withdrawal
  plane withdrawn $p routing withdrawn
  plane withdrawn $p data_plane dead
  side withdrawn $p "$(up_of $p)" conclusion lost-dies
  side withdrawn $p "$(up_of $p)" full_feed_seen_rib 1
done
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
k=[r["death"]["kind"] for r in d["summary"]["by_prefix"] if r["death"]]
assert k and all(x == "net-unreachable" for x in k), k' "$LAB_TMP/withdrawn.json" &&
  ok "withdrawal: the data plane dies net-unreachable (the routes went with BGP)" ||
  fail "withdrawal: deaths are not net-unreachable: $(python3 -c 'import json,sys; print([r["death"] for r in json.load(open(sys.argv[1]))["summary"]["by_prefix"]])' "$LAB_TMP/withdrawn.json")"
# the pcap with the same files: text and HTML
"$BIN" analyze --asn-db "$LAB_ASN_DB" --mrt-dir "$LAB_TMP/w" "$LAB_TMP/withdrawn.pcap" >"$LAB_TMP/both.txt" 2>"$LAB_TMP/both.err" || true
for p in $P24S; do
  if grep -q "^$p  withdrawn-dies (high): withdrawn, seen by 0 of 2 full-feed peers; origin-withdrawal: withdrawn by its origin AS131279" "$LAB_TMP/both.txt"; then
    ok "pcap: $p withdrawn-dies, origin withdrawal"
  else
    fail "pcap: $p: $(grep "^$p " "$LAB_TMP/both.txt" || cat "$LAB_TMP/both.err")"
  fi
done
grep -q "^    via AS4837: carried by 0 of 2 full-feed peers (1 at the RIB); 2 probed through it, 0 reached: lost-dies" "$LAB_TMP/both.txt" &&
  ok "pcap: China Unicom's side lost it and its paths die" || fail "pcap: no lost-dies line for AS4837"
grep -q "^both planes (control plane from $LAB_TMP/w" "$LAB_TMP/both.txt" || fail "both planes: no section header"
sed -n '/^both planes/,/^$/p' "$LAB_TMP/both.txt"
"$BIN" analyze --asn-db "$LAB_ASN_DB" --mrt-dir "$LAB_TMP/w" --format html -o "$LAB_TMP/both.html" "$LAB_TMP/withdrawn.pcap" 2>/dev/null || true
grep -q "<h2>Both planes</h2>" "$LAB_TMP/both.html" && grep -q "<td>198.19.177.0/24</td><td>withdrawn-dies (high)</td>" "$LAB_TMP/both.html" &&
  ok "pcap: HTML has the both-planes table" || fail "pcap: HTML lacks the both-planes table"

# the same moment kept by snapshot --mrt-dir, for the history's routing lane
snap() {
  lab_exec vp "$BIN" snapshot -n --store "$LAB_TMP/store/store.db" --asn-db "$LAB_ASN_DB" --mrt-dir "$LAB_TMP/w" \
    --keep-pcaps 0 --keep-hops 0 $HOSTS >"$LAB_TMP/$1.snap" 2>"$LAB_TMP/$1.snap.err" || true
  grep -q "^198.19.176.0/24  $2" "$LAB_TMP/$1.snap" && ok "snapshot $1: 198.19.176.0/24 $2" ||
    fail "snapshot $1: $(cat "$LAB_TMP/$1.snap" "$LAB_TMP/$1.snap.err" | head -c 600)"
}
snap withdrawn "withdrawn-dies (high)"

# PM_LAB_KEEP=DIR keeps this run's pcap and MRT files (how tests/golden/bgp/planes/ was made)
if [ -n "${PM_LAB_KEEP:-}" ]; then
  mkdir -p "$PM_LAB_KEEP/mrt" && cp "$LAB_TMP/withdrawn.pcap" "$PM_LAB_KEEP/" && cp -L "$LAB_TMP/w/"* "$PM_LAB_KEEP/mrt/"
fi

# 6. Announced again: the routes come back and both planes are up.
"$LAB_SH" bgp "$LAB_PREFIX" event origin-announce
for n in cu3 ttk2; do route_is "$n" 198.19.176.0/24 yes || fail "$n did not get its route back"; done
live reannounced "$LAB_TMP/w"
for p in $P24S; do
  plane reannounced $p conclusion both-planes-up
  plane reannounced $p routing announced
  side reannounced $p "$(up_of $p)" conclusion up
done
snap reannounced "both-planes-up (high)"
# history: two lanes per /24, data plane died then reached, routing withdrawn then announced, each with its first event
"$BIN" history --store "$LAB_TMP/store/store.db" --prefix 198.19.176.0/24 --format json >"$LAB_TMP/history.json" 2>"$LAB_TMP/history.err" ||
  fail "history exit $?: $(cat "$LAB_TMP/history.err")"
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
e=[(x["state"]) for x in d["episodes"] if x["prefix"]=="198.19.176.0/24"]
r=[(x["state"], x["first_change"], bool(x["first_event"]), x["conclusion"]) for x in d["routing_episodes"]]
assert e == ["died", "reached"], e
assert r == [("withdrawn", "origin-withdrawal", True, "withdrawn-dies"), ("announced", "no-control-plane-change", True, "both-planes-up")], r
w=d["routing_episodes"][0]
assert w["first_event"] < w["start"] and w["end"] == d["routing_episodes"][1]["start"], w' "$LAB_TMP/history.json" &&
  ok "history: data-plane and routing lanes after a withdrawal and a re-announcement" ||
  fail "history lanes: $(head -c 1500 "$LAB_TMP/history.json")"
"$BIN" history --store "$LAB_TMP/store/store.db" --prefix 198.19.176.0/24 >"$LAB_TMP/history.txt" 2>&1 || true
grep -q "^198.19.176.0/24    withdrawn origin-withdrawal AS131279" "$LAB_TMP/history.txt" && ok "history text: the routing lane" ||
  fail "history text: $(cat "$LAB_TMP/history.txt")"

# 7. China Unicom filters it: cu3's import filter drops Star JV's prefixes
# (a BIRD reconfiguration; the session to kpbr stays up and cu3 keeps
# announcing its own block to the collector). cu3 loses the routes,
# TransTeleCom's side keeps them; the /24s reached through AS4837 die there,
# the others reach.
fresh_rib rib5
archive u "rib5"
sess0=$(birdc -s "$BGPD/cu3.ctl" show protocols to_kpbr | awk '$1=="to_kpbr"{print $4, $5, $6}')
"$LAB_SH" bgp "$LAB_PREFIX" event upstream-filter cu3
route_is cu3 198.19.176.0/24 no && ok "cu3 lost its route with its import filter" || fail "cu3 kept its route under its import filter"
route_is ttk2 198.19.176.0/24 yes || fail "ttk2 lost its route with cu3's filter"
sess1=$(birdc -s "$BGPD/cu3.ctl" show protocols to_kpbr | awk '$1=="to_kpbr"{print $4, $5, $6}')
# BIRD prints the session's start to the millisecond from its monotonic clock, and the
# same start read twice can differ by 1 ms (15:32:23.230, then .229: one fresh clone's
# ASan run): the session stayed up when its start moved by under a second.
same_session() { python3 -c 'import sys
def secs(x):
    st, t, state = x.split()
    h, m, s = t.split(":")
    return st, state, int(h) * 3600 + int(m) * 60 + float(s)
a, b = secs(sys.argv[1]), secs(sys.argv[2])
sys.exit(0 if a[:2] == b[:2] == ("up", "Established") and abs(a[2] - b[2]) < 1 else 1)' "$1" "$2" 2>/dev/null; }
same_session "$sess0" "$sess1" &&
  ok "filter: cu3's session to kpbr stayed up ($sess1)" || fail "filter: cu3's session to kpbr was '$sess0', now '$sess1'"
live dropped "$LAB_TMP/u"
fresh_rib rib5f
"$BIN" bgp dump "$LAB_TMP/rib5f.mrt" >"$LAB_TMP/rib5f.txt"
grep -q '|198.18.16.0/20|4837|' "$LAB_TMP/rib5f.txt" && ! grep -q '|198.19.176.0/24|4837 131279|' "$LAB_TMP/rib5f.txt" &&
  ok "filter: the collector keeps AS4837's own route and loses Star JV's via AS4837" ||
  fail "filter: the collector's RIB: $(grep -E '198.18.16.0/20|198.19.176.0/24' "$LAB_TMP/rib5f.txt" | head -5)"
for p in 198.19.176.0/24 198.19.179.0/24; do
  plane dropped $p conclusion side-dropped-dies
  plane dropped $p confidence high
  plane dropped $p first_change one-upstream-dropped
  plane dropped $p first_change_as 4837
  side dropped $p 4837 conclusion lost-dies
  side dropped $p 20485 carried True
done
"$BIN" analyze --asn-db "$LAB_ASN_DB" --mrt-dir "$LAB_TMP/u" "$LAB_TMP/dropped.pcap" 2>/dev/null >"$LAB_TMP/dropped.txt" || true
sed -n '/^both planes/,/^$/p' "$LAB_TMP/dropped.txt"
grep -q '^198.19.176.0/24  side-dropped-dies (high): withdrawn, seen by 1 of 2 full-feed peers; one-upstream-dropped: paths via AS4837 vanished first' "$LAB_TMP/dropped.txt" &&
  ok 'pcap: side-dropped-dies from the filtered run' || fail 'pcap: no side-dropped-dies line for the filtered run'
# A bad MRT file costs nothing of the run: written without the control plane, exit 65.
mkdir -p "$LAB_TMP/bad" && chmod 755 "$LAB_TMP/bad"
head -c 300 "$LAB_TMP/rib5.mrt" >"$LAB_TMP/bad/rib.20261202.0000.mrt"
rc=0
lab_exec vp "$BIN" trace --no-progress -n --no-pcap --asn-db "$LAB_ASN_DB" --mrt-dir "$LAB_TMP/bad" --format json \
  -o "$LAB_TMP/bad.json" 198.19.177.5 2>"$LAB_TMP/bad.err" || rc=$?
if [ "$rc" = 65 ] && [ "$(wc -l <"$LAB_TMP/bad.err")" = 1 ] && grep -q "byte offset" "$LAB_TMP/bad.err" &&
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "planes" not in d and d["targets"]' "$LAB_TMP/bad.json"; then
  ok "a cut RIB: one line, exit 65, the run written without the control plane"
else
  fail "a cut RIB: exit $rc, $(cat "$LAB_TMP/bad.err")"
fi
for p in 198.19.177.0/24 198.19.178.0/24; do
  plane dropped $p conclusion both-planes-up
  side dropped $p 20485 conclusion up
  side dropped $p 4837 carried False
done
"$LAB_SH" bgp "$LAB_PREFIX" event upstream-unfilter cu3
route_is cu3 198.19.176.0/24 yes || fail "cu3 did not get its route back without its filter"

# 8. A hijack, a leak and a flap joined live: hj (AS64666) originates
# 198.19.179.0/25 and announces 198.19.176.0/25 with the path "64666 131279"
# (no upstream of Star JV's); cu3 takes both from its customer, so the paths
# to those hosts, which run via AS4837, end in hj (net unreachable there).
# 198.19.177.0/24 flaps and is back: its paths reach.
fresh_rib rib6
archive h "rib6"
"$LAB_SH" bgp "$LAB_PREFIX" event hijack
"$LAB_SH" bgp "$LAB_PREFIX" event leak
"$LAB_SH" bgp "$LAB_PREFIX" event flap 198.19.177.0/24
route_is cu3 198.19.179.0/25 yes || fail "cu3 did not take the hijacker's route"
live hijacked "$LAB_TMP/h"
plane hijacked 198.19.179.0/24 conclusion hijacked-dies
plane hijacked 198.19.179.0/24 confidence high
plane hijacked 198.19.179.0/24 first_change hijack
plane hijacked 198.19.179.0/24 first_change_as 64666
plane hijacked 198.19.179.0/24 first_change_prefix 198.19.179.0/25
plane hijacked 198.19.179.0/24 first_change_standing True
plane hijacked 198.19.176.0/24 conclusion hijacked-dies
plane hijacked 198.19.176.0/24 first_change route-leak
plane hijacked 198.19.176.0/24 first_change_as 64666
plane hijacked 198.19.177.0/24 conclusion both-planes-up
plane hijacked 198.19.178.0/24 conclusion both-planes-up
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
u=[x for x in d["planes"]["by_prefix"] if x["prefix"]=="198.19.177.0/24"][0]
assert u["last_change"] and u["last_change"] > d["planes"]["rib_time"], u
r=[x for x in d["summary"]["by_prefix"] if x["prefix"]=="198.19.179.0/24"][0]
assert r["death"]["asn"] == 64666 and r["death"]["kind"] == "net-unreachable", r["death"]' "$LAB_TMP/hijacked.json" &&
  ok "flap: the joined verdict carries its last change; the hijacked paths die net-unreachable in AS64666" ||
  fail "flap or the hijack's data plane: $(python3 -c 'import json,sys; print([r["death"] for r in json.load(open(sys.argv[1]))["summary"]["by_prefix"]])' "$LAB_TMP/hijacked.json")"
# per announced prefix: the hijacker's and the leaker's /25s have a joined verdict of their own
python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
a={x["prefix"]: (x["conclusion"], x["first_change"], x["first_change_as"], x["data_plane"]) for x in d["planes"].get("by_announced", [])}
assert a == {"198.19.179.0/25": ("hijacked-dies", "hijack", 64666, "dead"),
             "198.19.176.0/25": ("hijacked-dies", "route-leak", 64666, "dead")}, a' "$LAB_TMP/hijacked.json" &&
  ok "per announced prefix: 198.19.179.0/25 and 198.19.176.0/25 hijacked-dies" ||
  fail "per announced prefix: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["planes"].get("by_announced"))' "$LAB_TMP/hijacked.json")"
# show reads them back: the same planes
"$BIN" show --format json "$LAB_TMP/hijacked.json" >"$LAB_TMP/hijacked.show.json" 2>"$LAB_TMP/show.err" || true
python3 -c 'import json,sys; a,b=(json.load(open(f))["planes"] for f in sys.argv[1:3]); assert a == b' "$LAB_TMP/hijacked.json" "$LAB_TMP/hijacked.show.json" &&
  ok "show: the planes with the announced prefixes read back whole" || fail "show: planes differ: $(cat "$LAB_TMP/show.err")"
# the pcap with the same files: text and HTML
"$BIN" analyze --asn-db "$LAB_ASN_DB" --mrt-dir "$LAB_TMP/h" "$LAB_TMP/hijacked.pcap" >"$LAB_TMP/hijacked.txt" 2>/dev/null || true
grep -q '^198.19.179.0/25  hijacked-dies (high): withdrawn, seen by 1 of 2 full-feed peers; hijack: AS64666 announced it at ' "$LAB_TMP/hijacked.txt" &&
  ok "pcap: the announced 198.19.179.0/25 hijacked-dies" || fail "pcap: $(grep '^198.19.179.0/25 ' "$LAB_TMP/hijacked.txt")"
if [ -n "${PM_LAB_KEEP:-}" ]; then
  mkdir -p "$PM_LAB_KEEP/hijack/mrt" && cp "$LAB_TMP/hijacked.pcap" "$PM_LAB_KEEP/hijack/" && cp -L "$LAB_TMP/h/"* "$PM_LAB_KEEP/hijack/mrt/"
fi
sed -n '/^both planes/,/^$/p' "$LAB_TMP/hijacked.txt"
grep -q '^198.19.179.0/24  hijacked-dies (high): announced, seen by 2 of 2 full-feed peers; hijack: AS64666 announced 198.19.179.0/25 (a more-specific) at [-0-9T:.]*Z, not its origin; still announced; data plane: dead$' "$LAB_TMP/hijacked.txt" &&
  ok "pcap: 198.19.179.0/24 hijacked-dies, AS64666's more-specific" || fail "pcap: $(grep '^198.19.179.0/24 ' "$LAB_TMP/hijacked.txt")"
grep -q '^198.19.176.0/24  hijacked-dies (high): announced, seen by 2 of 2 full-feed peers; route-leak: AS64666 appeared before the origin on 198.19.176.0/25' "$LAB_TMP/hijacked.txt" &&
  ok "pcap: 198.19.176.0/24 hijacked-dies, AS64666's leak" || fail "pcap: $(grep '^198.19.176.0/24 ' "$LAB_TMP/hijacked.txt")"
"$BIN" analyze --asn-db "$LAB_ASN_DB" --mrt-dir "$LAB_TMP/h" --format html -o "$LAB_TMP/hijacked.html" "$LAB_TMP/hijacked.pcap" 2>/dev/null || true
grep -q "<td>198.19.179.0/24</td><td>hijacked-dies (high)</td>" "$LAB_TMP/hijacked.html" &&
  ok "pcap: HTML names the hijack" || fail "pcap: HTML lacks hijacked-dies"
"$LAB_SH" bgp "$LAB_PREFIX" event hijack-end
"$LAB_SH" bgp "$LAB_PREFIX" event leak-end
route_is cu3 198.19.179.0/25 no || fail "cu3 kept the hijacker's route after it ended"

"$LAB_SH" bgp "$LAB_PREFIX" down
[ -z "$(lab_exec cu3 ip route show 198.19.176.0/24 proto static)" ] && fail "bgp down: cu3's static route is not back" || ok "bgp down: static routes back"
[ -n "$(lab_exec kpbr ip route show 198.18.0.0/21 proto static)" ] && ok "bgp down: kpbr's static routes back" || fail "bgp down: kpbr's static route to the vantage is not back"
[ "$fails" = 0 ] && echo "all lab BGP checks passed"
exit $((fails > 0))
