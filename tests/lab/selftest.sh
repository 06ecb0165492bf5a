#!/usr/bin/env bash
# selftest.sh - checks the lab itself with scamper run inside vp: healthy paths against paths.tsv, each fault's visible effect, two labs at once, the MMDBs, and teardown.
#
# Exit 0 all checks passed, 1 some failed, 77 skipped (not root).
# Every probe is sent from inside the lab's vp namespace toward lab addresses
# (198.18.0.0/15); each scamper run is bounded by timeout.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lab_require_root
for tool in scamper mmdblookup perl ip iptables; do
  command -v "$tool" >/dev/null || { echo "selftest: '$tool' is missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }
done

FAILS=0 PASSES=0
ok() { PASSES=$((PASSES + 1)); echo "ok   - $1"; }
bad() { FAILS=$((FAILS + 1)); echo "FAIL - $1" >&2; }
# expect DESC GOT WANT
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi; }

# trace OPTIONS ADDR: scamper trace from vp; prints "hop,hop,..." where a hop
# is an address, "*" for silence, with a "!N"/"!X"/... suffix when marked.
# Two attempts per hop so that one lost packet is not read as silence.
trace() {
  timeout 30 "$LAB_SH" exec "$LAB_PREFIX" vp scamper -O text -c "trace -q 2 -w 1 -g 3 $1" -i "$2" |
    awk '$1 ~ /^[0-9]+$/ { h = $2; if ($NF ~ /^!/) h = h $NF; out = out (n++ ? "," : "") h } END { print out }'
}

# hop N LIST: the Nth element of a comma list.
hop() { echo "$2" | cut -d, -f"$1"; }

# replies_at_ttl TTL ADDR N TARGETS...: how many of the TARGETS' probes at TTL got a reply from ADDR.
replies_at_ttl() {
  local ttl=$1 addr=$2
  shift 2
  timeout 30 "$LAB_SH" exec "$LAB_PREFIX" vp scamper -p 2000 -O text \
    -c "trace -P icmp-paris -q 1 -w 1 -f $ttl -m $ttl" -i "$@" |
    awk -v t="$ttl" -v a="$addr" '$1 == t && $2 == a { n++ } END { print n + 0 }'
}

# ping_reached TARGETS...: how many targets answered one echo request.
# ping_reached ADDR...: how many of ADDR answered ping themselves. scamper counts
# any answer as "received", also the last router's host-unreachable for a dark
# address, so only replies from the pinged address count.
ping_reached() {
  timeout 60 "$LAB_SH" exec "$LAB_PREFIX" vp scamper -p 2000 -O text -c "ping -c 2 -i 0.2 -o 1" -i "$@" |
    awk '/^ping .* to /{d=$4; sub(":$", "", d); got=0}
         /bytes from /{a=$4; sub(",$", "", a); if (a == d && !got) {got=1; n++}}
         END{print n + 0}'
}

check_healthy() { # MODE TARGETS...
  local mode=$1 t want
  shift
  for t in "$@"; do
    want=$(lab_expect_hops "$mode" "$t")
    expect "$mode: icmp-paris trace to $t matches paths.tsv" "$(trace "-P icmp-paris" "$t")" "$want"
  done
}

sweep_targets() { # 64 addresses spread over the /22, away from kpbr's own addresses
  local i
  for i in $(seq 0 63); do echo "198.19.$((176 + i % 4)).$((1 + i * 4))"; done
}

echo "# MMDB files built from lab-asn.csv and lab-city.csv"
lab_geo
mmdb() { mmdblookup -f "$LAB_TMP/$1" -i "$2" "${@:3}" 2>/dev/null | awk 'NF { sub(/^ +/, ""); sub(/ <[a-z0-9_]+>$/, ""); gsub(/"/, ""); print; exit }'; }
expect "asn of 198.18.20.5" "$(mmdb lab-asn.mmdb 198.18.20.5 autonomous_system_number)" 4837
expect "as name of 198.18.20.5" "$(mmdb lab-asn.mmdb 198.18.20.5 autonomous_system_organization)" "CHINA UNICOM China169 Backbone"
expect "asn of 198.18.32.0" "$(mmdb lab-asn.mmdb 198.18.32.0 autonomous_system_number)" 12389
expect "asn of 198.18.52.1" "$(mmdb lab-asn.mmdb 198.18.52.1 autonomous_system_number)" 20485
expect "as name of 198.19.177.9" "$(mmdb lab-asn.mmdb 198.19.177.9 autonomous_system_organization)" "Star Joint Venture Co. Ltd."
expect "city of cu3 198.18.20.1" "$(mmdb lab-city.mmdb 198.18.20.1 city names en)" Dandong
expect "city of ttk2 198.18.52.1" "$(mmdb lab-city.mmdb 198.18.52.1 city names en)" Vladivostok
expect "city of ttk1 198.18.48.0" "$(mmdb lab-city.mmdb 198.18.48.0 city names en)" Khabarovsk
expect "country of 198.19.178.1" "$(mmdb lab-city.mmdb 198.19.178.1 country iso_code)" KP
expect "no asn outside the lab blocks" "$(mmdb lab-asn.mmdb 198.18.200.1 autonomous_system_number)" ""
# Every hop address in paths.tsv maps to the ASN the table claims.
mism=0
while IFS=$'\t' read -r m p up hops routers aa oa; do
  IFS=, read -ra HOPS <<<"$hops"
  IFS=, read -ra ASNS <<<"$aa"
  for i in "${!HOPS[@]}"; do
    [ "${HOPS[$i]}" != target ] || continue
    got=$(mmdb lab-asn.mmdb "${HOPS[$i]}" autonomous_system_number)
    [ "$got" = "${ASNS[$i]}" ] || { mism=$((mism + 1)); echo "  paths.tsv $m $p hop $((i + 1)) ${HOPS[$i]}: mmdb $got, table ${ASNS[$i]}" >&2; }
  done
done < <(grep -v '^#' "$LAB_HOME/paths.tsv")
expect "paths.tsv addr_asns agree with lab-asn.mmdb" "$mism" 0

echo "# lab A: dense variant (every address answers, no ICMP limit), numbering upstream"
lab_up --dense
A=$LAB_PREFIX
expect "lab has 13 namespaces" "$(ip netns list | grep -c "^$A-")" 13
expect "rp_filter off on cu3" "$(lab_exec cu3 sysctl -n net.ipv4.conf.kpbr.rp_filter)" 0
expect "icmp_ratelimit off on cu1" "$(lab_exec cu1 sysctl -n net.ipv4.icmp_ratelimit)" 0
if lab_exec vp ip route get 175.45.176.1 >/dev/null 2>&1; then bad "vp has a route outside the lab"; else ok "vp has no route outside 198.18.0.0/15"; fi
if lab_exec tr ip route get 198.19.200.1 >/dev/null 2>&1; then bad "tr has a default route"; else ok "routers have no default route"; fi
check_healthy upstream 198.19.176.1 198.19.176.200 198.19.177.5 198.19.178.77 198.19.179.9 198.19.179.254
t=$(trace "-P icmp-paris" 198.19.177.5)
expect "third-party address: kpbr answers on the Russian path from China Unicom space" \
  "$(mmdb lab-asn.mmdb "$(hop 6 "$t")" autonomous_system_number)/$(mmdb lab-asn.mmdb "$(hop 5 "$t")" autonomous_system_number)" "4837/20485"
expect "udp-paris reaches 198.19.178.9" "$(trace "-P udp-paris" 198.19.178.9)" "$(lab_expect_hops upstream 198.19.178.9)"
t=$(trace "-P tcp -d 80" 198.19.176.9)
expect "tcp SYN to port 80 answered by 198.19.176.9 (RST)" "$(hop 7 "$t")" 198.19.176.9
mapfile -t SWEEP < <(sweep_targets)
expect "all 64 sweep targets answer ping" "$(ping_reached "${SWEEP[@]}")" 64

echo "# faults on lab A"
lab_fault withdraw cu2a
expect "withdraw cu2a: !N from cu2a" "$(trace "-P icmp-paris" 198.19.176.3)" "198.18.0.1,198.18.8.0,198.18.16.0,198.18.17.1!N"
expect "withdraw cu2a: Russian path unaffected" "$(trace "-P icmp-paris" 198.19.177.3)" "$(lab_expect_hops upstream 198.19.177.3)"
lab_repair withdraw cu2a
expect "withdraw cu2a repaired" "$(trace "-P icmp-paris" 198.19.176.3)" "$(lab_expect_hops upstream 198.19.176.3)"

lab_fault withdraw ttk1 198.19.177.0/24
expect "withdraw ttk1 /24: !N from ttk1" "$(trace "-P icmp-paris" 198.19.177.3)" "198.18.0.1,198.18.8.0,198.18.32.0,198.18.48.0!N"
expect "withdraw ttk1 /24: other /24 unaffected" "$(trace "-P icmp-paris" 198.19.178.3)" "$(lab_expect_hops upstream 198.19.178.3)"
lab_repair withdraw ttk1 198.19.177.0/24
lab_fault withdraw ttk2 198.19.178.128/25
expect "withdraw ttk2 /25 (throw route): !N from ttk2" "$(trace "-P icmp-paris" 198.19.178.130)" "198.18.0.1,198.18.8.0,198.18.32.0,198.18.48.0,198.18.52.1!N"
expect "withdraw ttk2 /25: lower half unaffected" "$(trace "-P icmp-paris" 198.19.178.3)" "$(lab_expect_hops upstream 198.19.178.3)"
lab_repair withdraw ttk2 198.19.178.128/25
expect "withdraw ttk2 /25 repaired" "$(trace "-P icmp-paris" 198.19.178.130)" "$(lab_expect_hops upstream 198.19.178.130)"

lab_fault drop cu3
expect "drop cu3: cu3 answers, silence after" "$(trace "-P icmp-paris" 198.19.179.3)" "198.18.0.1,198.18.8.0,198.18.16.0,198.18.17.1,198.18.20.1,*,*,*"
lab_repair drop cu3

lab_fault filter cu3 udp
expect "filter cu3 udp: !X from cu3" "$(trace "-P udp-paris" 198.19.176.3)" "198.18.0.1,198.18.8.0,198.18.16.0,198.18.17.1,198.18.20.1,198.18.20.1!X"
expect "filter cu3 udp: icmp still passes" "$(trace "-P icmp-paris" 198.19.176.3)" "$(lab_expect_hops upstream 198.19.176.3)"
lab_repair filter cu3 udp
lab_fault filter kpbr tcp 198.19.177.0/24
t=$(trace "-P tcp -d 80" 198.19.177.3)
expect "filter kpbr tcp: !X from kpbr (third-party address)" "$(hop 7 "$t")" "198.18.20.5!X"
lab_repair filter kpbr tcp 198.19.177.0/24

lab_fault border-down
expect "border-down: cu3 answers !N" "$(trace "-P icmp-paris" 198.19.176.3)" "198.18.0.1,198.18.8.0,198.18.16.0,198.18.17.1,198.18.20.1!N"
expect "border-down: ttk2 answers !N" "$(trace "-P icmp-paris" 198.19.177.3)" "198.18.0.1,198.18.8.0,198.18.32.0,198.18.48.0,198.18.52.1!N"
lab_repair border-down
expect "border-down repaired (CU)" "$(trace "-P icmp-paris" 198.19.176.3)" "$(lab_expect_hops upstream 198.19.176.3)"
expect "border-down repaired (TTK)" "$(trace "-P icmp-paris" 198.19.177.3)" "$(lab_expect_hops upstream 198.19.177.3)"
lab_fault border-down silent
expect "border-down silent: nothing after cu2a" "$(trace "-P icmp-paris" 198.19.176.3)" "198.18.0.1,198.18.8.0,198.18.16.0,198.18.17.1,*,*,*"
lab_repair border-down silent
expect "border-down silent repaired" "$(trace "-P icmp-paris" 198.19.176.3)" "$(lab_expect_hops upstream 198.19.176.3)"

lab_fault loop cu2a cu3
t=$(trace "-P icmp-paris" 198.19.176.3)
expect "loop cu2a cu3: hops 4,5,6 alternate" "$(hop 4 "$t"),$(hop 5 "$t"),$(hop 6 "$t")" "198.18.17.1,198.18.20.1,198.18.17.1"
lab_repair loop cu2a cu3
expect "loop repaired" "$(trace "-P icmp-paris" 198.19.176.3)" "$(lab_expect_hops upstream 198.19.176.3)"

for k in unreachable:!H prohibit:!X throw:!N; do
  lab_fault route-loss cu2a "${k%:*}"
  expect "route-loss cu2a ${k%:*}: ${k#*:} from cu2a" "$(trace "-P icmp-paris" 198.19.176.3)" "198.18.0.1,198.18.8.0,198.18.16.0,198.18.17.1${k#*:}"
  lab_repair route-loss cu2a "${k%:*}"
done
lab_fault route-loss cu2a blackhole
expect "route-loss cu2a blackhole: silence from cu2a on" "$(trace "-P icmp-paris" 198.19.176.3)" "198.18.0.1,198.18.8.0,198.18.16.0,*,*,*"
lab_repair route-loss cu2a blackhole
expect "route-loss repaired" "$(trace "-P icmp-paris" 198.19.176.3)" "$(lab_expect_hops upstream 198.19.176.3)"
lab_fault half-dead 198.19.177.0/24
expect "half-dead 198.19.177.0/24: lower half silent after ttk1" "$(trace "-P icmp-paris" 198.19.177.3)" "198.18.0.1,198.18.8.0,198.18.32.0,198.18.48.0,*,*,*"
expect "half-dead 198.19.177.0/24: upper half reached" "$(trace "-P icmp-paris" 198.19.177.200)" "$(lab_expect_hops upstream 198.19.177.200)"
lab_repair half-dead 198.19.177.0/24
expect "half-dead repaired" "$(trace "-P icmp-paris" 198.19.177.3)" "$(lab_expect_hops upstream 198.19.177.3)"
lab_fault mute ru
t=$(trace "-P icmp-paris -g 5" 198.19.177.3)
expect "mute ru: rt1, ttk1, ttk2 silent, kpbr and the target answer" "$t" "198.18.0.1,198.18.8.0,*,*,*,198.18.20.5,198.19.177.3"
expect "mute ru: China side untouched" "$(trace "-P icmp-paris" 198.19.176.3)" "$(lab_expect_hops upstream 198.19.176.3)"
lab_fault drop kpbr
expect "mute ru + drop kpbr: only kpbr after the silence" "$(trace "-P icmp-paris -g 5" 198.19.177.3 | cut -d, -f1-6)" "198.18.0.1,198.18.8.0,*,*,*,198.18.20.5"
lab_repair drop kpbr
lab_repair mute ru
expect "mute repaired" "$(trace "-P icmp-paris" 198.19.177.3)" "$(lab_expect_hops upstream 198.19.177.3)"

seen_hop4() { # OPTIONS: distinct hop-4 addresses over 16 flows (source ports)
  local s
  for s in $(seq 40000 40015); do hop 4 "$(trace "$1 -s $s -d 33434 -f 4 -m 4" 198.19.176.3)"; done | sort -u | paste -sd,
}
expect "no ecmp: one branch for every UDP flow" "$(seen_hop4 "-P udp-paris")" 198.18.17.1
lab_fault ecmp
expect "ecmp: UDP flows take both cu2a and cu2b" "$(seen_hop4 "-P udp-paris")" 198.18.17.1,198.18.17.3
t=$(trace "-P udp-paris -s 40001 -d 33434" 198.19.176.3)
expect "ecmp: one flow is stable" "$(trace "-P udp-paris -s 40001 -d 33434" 198.19.176.3)" "$t"
lab_repair ecmp
expect "ecmp repaired" "$(seen_hop4 "-P udp-paris")" 198.18.17.1

mapfile -t T30 < <(for i in $(seq 1 30); do echo "198.19.176.$i"; done)
expect "no rate limit: cu1 answers 30 of 30 TTL-3 probes" "$(replies_at_ttl 3 198.18.16.0 "${T30[@]}")" 30
lab_fault ratelimit cu1
n=$(replies_at_ttl 3 198.18.16.0 "${T30[@]}")
if [ "$n" -le 8 ]; then ok "ratelimit cu1: $n of 30 answered"; else bad "ratelimit cu1: $n of 30 answered, want at most 8"; fi
# The per-destination bucket refills at one token a second (burst 6).
sleep 3
n=$(replies_at_ttl 3 198.18.16.0 "${T30[@]}")
if [ "$n" -ge 1 ] && [ "$n" -le 6 ]; then ok "ratelimit cu1: $n of 30 answered after 3 s"; else bad "ratelimit cu1: $n of 30 answered after 3 s, want 1..6 (burst cap 6)"; fi
lab_repair ratelimit cu1
expect "ratelimit repaired" "$(replies_at_ttl 3 198.18.16.0 "${T30[@]}")" 30

lab_fault numbering own
expect "numbering own (live): kpbr answers from Star JV space" "$(trace "-P icmp-paris" 198.19.177.3)" "$(lab_expect_hops own 198.19.177.3)"
lab_repair numbering
expect "numbering repaired" "$(trace "-P icmp-paris" 198.19.177.3)" "$(lab_expect_hops upstream 198.19.177.3)"
expect "no fault left recorded" "$("$LAB_SH" list | awk -v p="$A" '$1 == p { print $NF }')" "faults="

echo "# bad requests give one-line errors"
for args in "fault $A withdraw nosuch" "fault $A withdraw cu1 8.8.8.0/24" "fault $A loop cu1 kpbr" "fault $A frobnicate" "exec $A nosuch true" "down BAD!"; do
  # shellcheck disable=SC2086
  if err=$("$LAB_SH" $args 2>&1 >/dev/null); then bad "lab.sh $args succeeded"; else ok "lab.sh $args refused: $(echo "$err" | head -1)"; fi
done

echo "# lab B (dense, numbering own) up beside lab A"
lab_up --dense --numbering own
B=$LAB_PREFIX
check_healthy own 198.19.176.1 198.19.177.5 198.19.178.77 198.19.179.9 198.19.179.250 198.19.179.251 198.19.179.253 198.19.179.254
LAB_PREFIX=$A
expect "lab A still healthy beside lab B" "$(trace "-P icmp-paris" 198.19.178.5)" "$(lab_expect_hops upstream 198.19.178.5)"
lab_down "$B"
lab_down "$A"

echo "# lab R: the realistic variant (the default): dark addresses, route error and ICMP rate limits"
lab_up
R=$LAB_PREFIX
. "$LAB_HOME/topo.sh"
expect "realistic: kp has the live hosts only" "$(lab_exec kp ip route show table local type local | grep -c '^local 198\.19\.')" \
  "$(( $(echo $PM_LIVE_HOSTS | wc -w) + 1 ))"
expect "realistic: cu1 limits ICMP globally (0 ms per destination, 1000/s, burst 50)" \
  "$(lab_exec cu1 sysctl -n net.ipv4.icmp_ratelimit net.ipv4.icmp_msgs_per_sec net.ipv4.icmp_msgs_burst | paste -sd' ')" "0 1000 50"
expect "realistic: acc does not limit" "$(lab_exec acc sysctl -n net.ipv4.icmp_msgs_per_sec)" 1000000
check_healthy upstream $PM_LIVE_HOSTS
mapfile -t LIVE < <(echo $PM_LIVE_HOSTS | tr ' ' '\n')
expect "realistic: the ${#LIVE[@]} live hosts answer ping" "$(ping_reached "${LIVE[@]}")" "${#LIVE[@]}"
mapfile -t DARK < <(for i in 100 101 102 103 104 105 106 107; do echo "198.19.$((176 + i % 4)).$i"; done)
expect "realistic: 8 dark addresses answer no ping" "$(ping_reached "${DARK[@]}" || true)" 0
sleep 6   # let kpbr's route error bucket for vp refill (5 tokens, 1 a second)
expect "realistic: a dark address of 198.19.176.0/24 gets !H from kpbr at hop 6 (route lookup before TTL check)" \
  "$(trace "-P icmp-paris" 198.19.176.100)" "198.18.0.1,198.18.8.0,198.18.16.0,198.18.17.1,198.18.20.1,198.18.20.5!H"
expect "realistic: a dark address of 198.19.179.0/24 gets nothing after kpbr" \
  "$(trace "-P icmp-paris" 198.19.179.100)" "198.18.0.1,198.18.8.0,198.18.16.0,198.18.17.1,198.18.20.1,198.18.20.5,*,*,*"
sleep 6
mapfile -t D30 < <(for i in $(seq 100 129); do echo "198.19.177.$i"; done)
n=$(replies_at_ttl 7 198.18.20.5 "${D30[@]}")
if [ "$n" -ge 4 ] && [ "$n" -le 7 ]; then ok "route error limit: $n of 30 dark targets got !H in one burst (burst 5)"; else bad "route error limit: $n of 30 dark targets got !H in one burst, want 4..7 (burst 5)"; fi
sleep 3
mapfile -t D30 < <(for i in $(seq 130 159); do echo "198.19.177.$i"; done)
n=$(replies_at_ttl 7 198.18.20.5 "${D30[@]}")
if [ "$n" -ge 1 ] && [ "$n" -le 5 ]; then ok "route error limit: $n of 30 after 3 s (1 token a second)"; else bad "route error limit: $n of 30 after 3 s, want 1..5"; fi
lab_fault ratelimit cu1
expect "ratelimit cu1 on the realistic lab: Linux defaults" "$(lab_exec cu1 sysctl -n net.ipv4.icmp_ratelimit)" 1000
lab_repair ratelimit cu1
expect "ratelimit cu1 repaired to the realistic baseline" \
  "$(lab_exec cu1 sysctl -n net.ipv4.icmp_ratelimit net.ipv4.icmp_msgs_per_sec net.ipv4.icmp_msgs_burst | paste -sd' ')" "0 1000 50"
lab_down "$R"

echo "# onehop lab"
lab_up --onehop
O=$LAB_PREFIX
mapfile -t T50 < <(for i in $(seq 1 50); do echo "198.19.$((176 + i % 4)).$i"; done)
expect "onehop: r1 answers 50 of 50 TTL-1 probes" "$(replies_at_ttl 1 198.18.0.1 "${T50[@]}")" 50
expect "onehop: path" "$(trace "-P icmp-paris" 198.19.177.7)" "$(lab_expect_hops onehop 198.19.177.7)"
# A process left running inside the lab is ended by the teardown.
lab_exec kp sleep 60 &
spid=$!
sleep 0.5
lab_down "$O"
sleep 0.2
if kill -0 "$spid" 2>/dev/null && [ "$(ps -o stat= -p "$spid" | cut -c1)" != Z ]; then
  bad "process $spid inside the lab survived teardown"
  kill "$spid"
else
  ok "teardown ended the process left inside the lab"
fi
wait "$spid" 2>/dev/null || true

echo "# teardown"
for p in "$A" "$B" "$R" "$O"; do
  expect "no namespace of $p left" "$(ip netns list | grep -c "^$p-" || true)" 0
  expect "no state of $p left" "$([ -e "${PM_LAB_RUN:-/run/pathmortem-lab}/$p" ] && echo present || echo absent)" absent
done
# A script that fails after lab_up still tears its lab down (EXIT trap).
f=$(mktemp)
bash -c '. "$1/lib.sh"; set -e; lab_up >/dev/null 2>&1; echo "$LAB_PREFIX" >"$2"; false' _ "$LAB_HOME" "$f" || true
p=$(cat "$f")
expect "failing script's lab $p torn down by its trap" "$(ip netns list | grep -c "^$p-" || true)/$([ -n "$p" ] && echo named)" "0/named"
# A SIGKILLed owner cannot run its trap: lab.sh clean removes its lab.
bash -c '. "$1/lib.sh"; lab_up >/dev/null 2>&1; echo "$LAB_PREFIX" >"$2"; exec sleep 60' _ "$LAB_HOME" "$f" &
kpid=$!
for _ in $(seq 1 100); do [ -s "$f" ] && [ "$(cat "$f")" != "$p" ] && break; sleep 0.1; done
p=$(cat "$f")
kill -9 "$kpid"
wait "$kpid" 2>/dev/null || true
expect "killed owner's lab $p still present" "$(ip netns list | grep -c "^$p-" || true)" 13
"$LAB_SH" clean 2>/dev/null
expect "lab.sh clean removed $p" "$(ip netns list | grep -c "^$p-" || true)" 0
rm -f "$f"

echo "# $PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
