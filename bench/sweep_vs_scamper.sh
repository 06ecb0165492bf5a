#!/usr/bin/env bash
# sweep_vs_scamper.sh - sweeps the lab's /22 with pathmortem and with scamper (icmp-paris) at the same rate and wait; prints time, probes, interfaces and ratios.
#
# usage: bench/sweep_vs_scamper.sh [--rates "1000 5000"] [--wait S] [--no-fault]   (root)
#
# Both run inside the lab's vantage point (vp) toward the lab /22
# (198.19.176.0/22, preset lab-starjv), never anywhere else. For each rate:
#   pathmortem trace --format json -r PPS -W S -w FILE.pcap lab-starjv
#       (sweep defaults otherwise: 1 query per hop, 1 retry, gap limit 5,
#        split TTL 16, Doubletree stop set, max TTL 30)
#   scamper -p PPS -O warts -f TARGETS -c 'trace -P icmp-paris -w S'
#       (scamper defaults otherwise: 2 attempts per hop (-q 2), gap limit 5,
#        first hop 1, one outstanding hop per trace (-N 1), no task window (-w 0),
#        44-byte probes)
# Then a round with a fault (withdraw cu2a: half the paths end in !N at hop 4)
# at the first rate. Figures: wall time of the whole command, probes sent
# (pathmortem: run.stats.probes_sent; scamper: sum of probe_count in
# sc_warts2json), distinct router interfaces (addresses answering
# time-exceeded or unreachable that are not targets), targets reached.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lib.sh
. "$HERE/../tests/lab/lib.sh"
# shellcheck source=bench/common.sh
. "$HERE/common.sh"

RATES="1000 5000" WAIT=1 FAULT=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rates) RATES=${2:?}; shift 2 ;;
    --wait) WAIT=${2:?}; shift 2 ;;
    --no-fault) FAULT=0; shift ;;
    *) echo "usage: bench/sweep_vs_scamper.sh [--rates \"1000 5000\"] [--wait S] [--no-fault]" >&2; exit 64 ;;
  esac
done
for r in $RATES; do
  if ! [[ $r =~ ^[1-9][0-9]*$ ]] || [ "$r" -gt 10000 ]; then
    echo "sweep_vs_scamper: each rate must be 1..10000 pps (scamper's range)" >&2
    exit 64
  fi
done
[[ $WAIT =~ ^[1-9]$ ]] || { echo "sweep_vs_scamper: --wait must be 1..9 s (scamper takes whole seconds)" >&2; exit 64; }

lab_require_root
bench_bin
bench_need scamper sc_warts2json python3
# shellcheck disable=SC2119 # lab_up takes lab options, not the script's
lab_up
lab_geo
T=$LAB_TMP
python3 -c '
import ipaddress
for a in ipaddress.ip_network("198.19.176.0/22"): print(a)' >"$T/targets.txt"
chmod 644 "$T/targets.txt"

bench_machine
echo "binary: $PM_BIN; $(scamper -v 2>&1 | head -1)"
echo "targets: 198.19.176.0/22 (1024 addresses), wait $WAIT s"
echo

# kv LINE KEY: the value of KEY=VALUE in a sweep_count.py line
kv() { local s=${1#*"$2"=}; echo "${s%% *}"; }
one_round() { # LABEL PPS
  local label=$1 pps=$2 t0 pm_wall sc_wall pm sc rc
  t0=$(bench_now)
  rc=0
  lab_exec vp "$PM_BIN" trace --format json -o "$T/pm.json" -w "$T/pm.pcap" -r "$pps" -W "$WAIT" \
    --asn-db "$LAB_ASN_DB" --no-progress lab-starjv 2>"$T/pm.err" || rc=$?
  pm_wall=$(bench_elapsed "$t0")
  # exit 1/2 = some/all targets died: a measurement result, not a failure
  if [ "$rc" -gt 2 ] || [ ! -s "$T/pm.json" ]; then
    echo "sweep_vs_scamper: pathmortem failed (exit $rc): $(head -c 300 "$T/pm.err")" >&2
    exit 1
  fi
  pm=$(python3 "$HERE/sweep_count.py" pm "$T/pm.json" "$T/targets.txt")
  t0=$(bench_now)
  lab_exec vp scamper -p "$pps" -O warts -o "$T/sc.warts" -f "$T/targets.txt" \
    -c "trace -P icmp-paris -w $WAIT" 2>"$T/sc.err" || {
    echo "sweep_vs_scamper: scamper failed: $(head -c 300 "$T/sc.err")" >&2
    exit 1
  }
  sc_wall=$(bench_elapsed "$t0")
  sc_warts2json "$T/sc.warts" >"$T/sc.jsonl"
  sc=$(python3 "$HERE/sweep_count.py" scamper "$T/sc.jsonl" "$T/targets.txt")
  local pp pi pr sp si sr span
  pp=$(kv "$pm" probes) pi=$(kv "$pm" interfaces) pr=$(kv "$pm" reached)
  sp=$(kv "$sc" probes) si=$(kv "$sc" interfaces) sr=$(kv "$sc" reached)
  span=$(bench_run_field "$T/pm.json" span)
  echo "== $label: $pps pps"
  printf '  %-11s %8s %8s %11s %8s\n' tool wall_s probes interfaces reached
  printf '  %-11s %8s %8s %11s %8s   (probing span %s s)\n' pathmortem "$pm_wall" "$pp" "$pi" "$pr" "$span"
  printf '  %-11s %8s %8s %11s %8s\n' scamper "$sc_wall" "$sp" "$si" "$sr"
  echo "  ratios pathmortem/scamper: wall $(bench_ratio "$pm_wall" "$sc_wall") (goal <= 0.50)," \
    "probes $(bench_ratio "$pp" "$sp") (goal <= 0.50), interfaces $(bench_ratio "$pi" "$si") (goal >= 1.00)"
  local pl sl
  pl=$(kv "$pm" list) sl=$(kv "$sc" list)
  if [ "$pl" != "$sl" ]; then
    echo "  interfaces only pathmortem found: $(comm -23 <(tr , '\n' <<<"$pl" | sort) <(tr , '\n' <<<"$sl" | sort) | paste -sd, -)"
    echo "  interfaces only scamper found:    $(comm -13 <(tr , '\n' <<<"$pl" | sort) <(tr , '\n' <<<"$sl" | sort) | paste -sd, -)"
  fi
  rm -f "$T/pm.json" "$T/pm.pcap" "$T/sc.warts" "$T/sc.jsonl"
}

for r in $RATES; do one_round healthy "$r"; done
if [ "$FAULT" = 1 ]; then
  first=${RATES%% *}
  lab_fault withdraw cu2a 2>/dev/null
  one_round "fault withdraw cu2a" "$first"
  lab_repair withdraw cu2a 2>/dev/null
fi
