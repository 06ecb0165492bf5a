#!/usr/bin/env bash
# sweep_vs_scamper.sh - sweeps the realistic lab's /22 with pathmortem and scamper in the same run, healthy and with each fault of the lab truth: wall time, probes counted at the vantage's output hook, interfaces, verdicts against the truth, the physical limit.
#
# usage: bench/sweep_vs_scamper.sh [--rate PPS] [--wait S] [--scenarios "healthy withdraw-cu ..."]   (root)
#
# Both run inside the lab's vantage point (vp) toward the lab /22
# (198.19.176.0/22, preset lab-starjv), never anywhere else, in a realistic lab
# (tests/lab/lab.sh up: 11 live hosts, dark addresses refused by the border
# router under Linux's route error limit or silent, routers with Linux's global
# ICMP bucket). For each scenario of tests/lab/truth.tsv (its faults injected,
# then repaired):
#   pathmortem trace --format json -r PPS -W S lab-starjv
#       (sweep defaults otherwise: 1 query per hop, 1 retry, gap limit 5,
#        split TTL 16, Doubletree stop set per /24, max TTL 30)
#   scamper -p PPS -O warts -f TARGETS -c 'trace -P icmp-paris -q 1 -w S'
#       (the issue's command: one attempt per hop; scamper's other defaults:
#        gap limit 5, first hop 1, no stop set)
# Figures: wall time of the whole command; probes as counted by an iptables
# rule in vp's OUTPUT chain (every packet toward the /22 leaving the vantage,
# whatever the tool says it sent); distinct router interfaces (addresses
# answering time-exceeded or unreachable that are not targets); verdicts: each
# run analyzed by pathmortem (scamper's warts through `pathmortem analyze`) and
# compared with the lab truth (labcheck.py truth: "ok" or the number of
# differences). The physical limit is one probe per target plus one per
# interface found, sent at the rate, plus one wait. A row whose pathmortem
# verdicts differ from the truth says FAIL and the script exits 1 at the end.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lib.sh
. "$HERE/../tests/lab/lib.sh"
# shellcheck source=bench/common.sh
. "$HERE/common.sh"

RATE=10000 WAIT=1
SCENARIOS="healthy withdraw-cu withdraw-ru route-loss-host route-loss-prohibit route-loss-blackhole half-dead mute-cu mute-ru border-filter-mute"
while [ $# -gt 0 ]; do
  case "$1" in
    --rate) RATE=${2:?}; shift 2 ;;
    --wait) WAIT=${2:?}; shift 2 ;;
    --scenarios) SCENARIOS=${2:?}; shift 2 ;;
    *) echo "usage: bench/sweep_vs_scamper.sh [--rate PPS] [--wait S] [--scenarios \"NAME ...\"]" >&2; exit 64 ;;
  esac
done
if ! [[ $RATE =~ ^[1-9][0-9]*$ ]] || [ "$RATE" -gt 10000 ]; then
  echo "sweep_vs_scamper: --rate must be 1..10000 pps (scamper's range)" >&2
  exit 64
fi
[[ $WAIT =~ ^[1-9]$ ]] || { echo "sweep_vs_scamper: --wait must be 1..9 s (scamper takes whole seconds)" >&2; exit 64; }

lab_require_root
bench_bin
bench_need scamper sc_warts2json python3 iptables
CHECK="python3 $BENCH_ROOT/tests/integration/labcheck.py"
TRUTH=$BENCH_ROOT/tests/lab/truth.tsv
for s in $SCENARIOS; do
  setup=$($CHECK scenario "$TRUTH" "$s") || exit 64
  opts=${setup%%$'\n'*}
  if [ "$opts" != - ]; then
    echo "sweep_vs_scamper: scenario $s needs lab options '$opts'; this bench runs the realistic lab" >&2
    exit 64
  fi
done
# shellcheck disable=SC2119 # lab_up takes lab options, not the script's
lab_up
lab_geo
T=$LAB_TMP
python3 -c '
import ipaddress
for a in ipaddress.ip_network("198.19.176.0/22"): print(a)' >"$T/targets.txt"
chmod 644 "$T/targets.txt"
# the output hook: one counting rule for everything toward the /22
lab_exec vp iptables -N PMBENCH
lab_exec vp iptables -I OUTPUT -d 198.19.176.0/22 -j PMBENCH
lab_exec vp iptables -A PMBENCH -j RETURN
hook_zero() { lab_exec vp iptables -Z PMBENCH; }
hook_count() { lab_exec vp iptables -L PMBENCH -vnx | awk '$3 == "RETURN" { print $1; exit }'; }

bench_machine
echo "binary: $PM_BIN; $(scamper -v 2>&1 | head -1)"
echo "targets: 198.19.176.0/22 (1024 addresses), $RATE pps, wait $WAIT s, realistic lab"
echo

# kv LINE KEY: the value of KEY=VALUE in a sweep_count.py line
kv() { local s=${1#*"$2"=}; echo "${s%% *}"; }
# verdicts JSON SCENARIO: "ok" or "N diffs"
verdicts() {
  local out
  out=$($CHECK truth "$TRUTH" "$2" "$1" 2>&1 | head -1) || true
  case "$out" in
    ok:*) echo ok ;;
    *difference*) echo "$(sed -E 's/.*: ([0-9]+) difference.*/\1/' <<<"$out") diffs" ;;
    *) echo "error" ;;
  esac
}
failed=0
one_round() { # SCENARIO
  local name=$1 t0 pm_wall sc_wall pm sc rc f pm_hook sc_hook pm_v sc_v
  local -a faults
  mapfile -t faults < <($CHECK scenario "$TRUTH" "$name" | tail -n +2)
  for f in "${faults[@]}"; do
    # shellcheck disable=SC2086 # a fault is words
    lab_fault $f >/dev/null
  done
  hook_zero
  t0=$(bench_now)
  rc=0
  lab_exec vp "$PM_BIN" trace --format json -o "$T/pm.json" -r "$RATE" -W "$WAIT" \
    --asn-db "$LAB_ASN_DB" --geo-db "$LAB_CITY_DB" --no-progress lab-starjv 2>"$T/pm.err" || rc=$?
  pm_wall=$(bench_elapsed "$t0")
  pm_hook=$(hook_count)
  # exit 1/2 = some/all targets died: a measurement result, not a failure
  if [ "$rc" -gt 2 ] || [ ! -s "$T/pm.json" ]; then
    echo "sweep_vs_scamper: pathmortem failed (exit $rc): $(head -c 300 "$T/pm.err")" >&2
    exit 1
  fi
  pm=$(python3 "$HERE/sweep_count.py" pm "$T/pm.json" "$T/targets.txt")
  pm_v=$(verdicts "$T/pm.json" "$name")
  sleep 2 # let the routers' ICMP budgets refill between the tools
  hook_zero
  t0=$(bench_now)
  lab_exec vp scamper -p "$RATE" -O warts -o "$T/sc.warts" -f "$T/targets.txt" \
    -c "trace -P icmp-paris -q 1 -w $WAIT" 2>"$T/sc.err" || {
    echo "sweep_vs_scamper: scamper failed: $(head -c 300 "$T/sc.err")" >&2
    exit 1
  }
  sc_wall=$(bench_elapsed "$t0")
  sc_hook=$(hook_count)
  sc_warts2json "$T/sc.warts" >"$T/sc.jsonl"
  sc=$(python3 "$HERE/sweep_count.py" scamper "$T/sc.jsonl" "$T/targets.txt")
  rc=0
  lab_exec vp "$PM_BIN" analyze --format json -o "$T/sc.json" --asn-db "$LAB_ASN_DB" \
    --geo-db "$LAB_CITY_DB" "$T/sc.warts" 2>"$T/sca.err" || rc=$?
  if [ "$rc" -le 3 ] && [ -s "$T/sc.json" ]; then sc_v=$(verdicts "$T/sc.json" "$name"); else sc_v="n/a"; fi
  for ((f = ${#faults[@]} - 1; f >= 0; f--)); do
    # shellcheck disable=SC2086
    lab_repair ${faults[$f]} >/dev/null
  done
  local pi si pl sl union lim_p lim_t
  pi=$(kv "$pm" interfaces) si=$(kv "$sc" interfaces)
  pl=$(kv "$pm" list) sl=$(kv "$sc" list)
  union=$( (tr , '\n' <<<"$pl"; tr , '\n' <<<"$sl") | grep . | sort -u | wc -l)
  lim_p=$((1024 + union))
  lim_t=$(awk -v p="$lim_p" -v r="$RATE" -v w="$WAIT" 'BEGIN { printf "%.2f", p / r + w }')
  local mark=""
  [ "$pm_v" = ok ] || { mark="  FAIL: pathmortem's verdicts differ from the lab truth"; failed=1; }
  echo "== $name"
  printf '  %-11s %8s %8s %11s %10s\n' tool wall_s probes interfaces verdicts
  printf '  %-11s %8s %8s %11s %10s   (JSON probes_sent %s)\n' pathmortem "$pm_wall" "$pm_hook" "$pi" "$pm_v" "$(kv "$pm" probes)"
  printf '  %-11s %8s %8s %11s %10s   (warts probe_count %s)\n' scamper "$sc_wall" "$sc_hook" "$si" "$sc_v" "$(kv "$sc" probes)"
  printf '  %-11s %8s %8s %11s\n' "limit" "$lim_t" "$lim_p" "$union"
  echo "  ratios pathmortem/scamper: wall $(bench_ratio "$pm_wall" "$sc_wall") (goal <= 0.50)," \
    "probes $(bench_ratio "$pm_hook" "$sc_hook") (goal <= 0.50), interfaces $(bench_ratio "$pi" "$si") (goal >= 1.00);" \
    "pathmortem/limit: wall $(bench_ratio "$pm_wall" "$lim_t"), probes $(bench_ratio "$pm_hook" "$lim_p") (goal <= 2.00)$mark"
  rm -f "$T/pm.json" "$T/sc.warts" "$T/sc.jsonl" "$T/sc.json"
  sleep 3
}

for s in $SCENARIOS; do one_round "$s"; done
exit $failed
