#!/usr/bin/env bash
# engine_rate.sh - probe engine throughput on the one-hop lab link against a bare raw-socket loop, in the same run.
#
# usage: bench/engine_rate.sh [--rounds N] [--seconds S] [--perf]   (root)
#
# Every probe has TTL 1, so r1 answers each with a time-exceeded; ICMP rate
# limiting is off in the lab. pathmortem sweeps 198.19.0.0/16 + 198.18.128.0/17
# (98,304 targets x 6 queries = 589,824 probes) at an unlimited rate, once
# without a pcap and once writing one; the bare loop (bench/rawloop.c, cc -O2)
# sends the same TTL-1 ICMP echo probes on the same link for S seconds, send-only
# and send+receive. Rounds are interleaved so that load from other work on
# the machine hits every contender alike; the best round of each is compared.
# --perf: record the engine of round 1 with perf and print where it spends time.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lab/lib.sh
. "$HERE/../tests/lab/lib.sh"
# shellcheck source=bench/common.sh
. "$HERE/common.sh"

ROUNDS=3 SECS=4 PERF=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=${2:?}; shift 2 ;;
    --seconds) SECS=${2:?}; shift 2 ;;
    --perf) PERF=1; shift ;;
    *) echo "usage: bench/engine_rate.sh [--rounds N] [--seconds S] [--perf]" >&2; exit 64 ;;
  esac
done
[[ $ROUNDS =~ ^[1-9]$ ]] || { echo "engine_rate: --rounds must be 1..9" >&2; exit 64; }
if ! [[ $SECS =~ ^[1-9][0-9]?$ ]] || [ "$SECS" -gt 30 ]; then echo "engine_rate: --seconds must be 1..30" >&2; exit 64; fi

lab_require_root
bench_bin
bench_need cc python3
[ "$PERF" = 0 ] || bench_need perf
lab_up --onehop
lab_tmpdir
T=$LAB_TMP

# r1 routes only the lab /22 on to kp; route the benchmark's space there too,
# or r1 would answer (rate-limited) no-route errors instead of forwarding.
KP=$(lab_addr kp | awk '$1 == "r1" { sub("/.*", "", $2); print $2 }')
SRC=$(lab_addr vp | awk 'NR == 1 { sub("/.*", "", $2); print $2 }')
for net in 198.19.0.0/16 198.18.128.0/17; do lab_exec r1 ip route replace "$net" via "$KP"; done

cc -O2 -std=c17 -D_DEFAULT_SOURCE -o "$T/rawloop" "$HERE/rawloop.c"

PM_ARGS=(trace -f 1 -M 1 -q 6 --retries 0 --no-stopset --rate 1000000 --wait 0.5 --allow-large
  --no-progress --format json)
PM_TARGETS=(198.19.0.0/16 198.18.128.0/17)

bench_machine
echo "binary: $PM_BIN"
echo "link: vp $SRC -> r1 (TTL 1 expires there); $ROUNDS round(s); bare loop runs $SECS s"
echo
printf '%-5s %-22s %9s %9s %7s %10s %10s %6s\n' round contender sent replies span_s sent/s replies/s drops
RES=$T/results.tsv
: >"$RES"

engine() { # ROUND NAME EXTRA...: one pathmortem sweep; appends a result row
  local r=$1 name=$2 json=$T/$2.$1.json; shift 2
  local perf_pid='' t0
  t0=$(bench_now)
  lab_exec vp "$PM_BIN" "${PM_ARGS[@]}" -o "$json" "$@" "${PM_TARGETS[@]}" 2>"$T/$name.$r.err" &
  local job=$!
  if [ "$PERF" = 1 ] && [ "$r" = 1 ] && [ "$name" = pathmortem ]; then
    local pid='' _
    for _ in $(seq 50); do
      pid=$(ip netns pids "$LAB_PREFIX-vp" 2>/dev/null | head -1)
      [ -z "$pid" ] || break
      sleep 0.02
    done
    if [ -n "$pid" ]; then
      sleep 0.3 # past start-up: the probing phase
      perf record -g -o "$T/perf.data" -p "$pid" -- sleep 2 >/dev/null 2>&1 &
      perf_pid=$!
    fi
  fi
  local rc=0
  wait "$job" || rc=$?
  local wall
  wall=$(bench_elapsed "$t0")
  [ -z "$perf_pid" ] || wait "$perf_pid" || true
  if [ ! -s "$json" ]; then
    echo "engine_rate: pathmortem failed (exit $rc): $(head -c 300 "$T/$name.$r.err")" >&2
    exit 1
  fi
  local sent matched span drops
  read -r sent matched span drops < <(bench_run_fields "$json" probes_sent replies_matched span capture_drops)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$name" "$sent" "$matched" "$span" "$drops" >>"$RES"
  printf '%-5s %-22s %9s %9s %7s %10.0f %10.0f %6s\n' "$r" "$name" "$sent" "$matched" "$span" \
    "$(bench_ratio "$sent" "$span")" "$(bench_ratio "$matched" "$span")" "$drops"
  echo "      (whole command incl. start-up and writing $((sent / 6)) targets as JSON: $wall s)"
  rm -f "$json"
}

bare() { # ROUND NAME [recv]
  local r=$1 name=$2 out sent recvd span
  out=$(lab_exec vp "$T/rawloop" "$SRC" 198.19.0.0 65536 "$SECS" ${3:+"$3"})
  sent=$(sed -n 's/^rawloop: sent \([0-9]*\) in.*/\1/p' <<<"$out")
  span=$(sed -n 's/^rawloop: sent [0-9]* in \([0-9.]*\) s.*/\1/p' <<<"$out")
  recvd=$(sed -n 's/.* received \([0-9]*\) .*/\1/p' <<<"$out")
  recvd=${recvd:--}
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$name" "$sent" "$recvd" "$span" - >>"$RES"
  printf '%-5s %-22s %9s %9s %7s %10.0f %10s %6s\n' "$r" "$name" "$sent" "$recvd" "$span" \
    "$(bench_ratio "$sent" "$span")" \
    "$([ "$recvd" = - ] && echo - || printf '%.0f' "$(bench_ratio "$recvd" "$span")")" -
}

for r in $(seq "$ROUNDS"); do
  bare "$r" rawloop-send
  bare "$r" rawloop-send+recv recv
  engine "$r" pathmortem --no-pcap
  engine "$r" pathmortem-pcap -w "$T/sweep.pcap"
  if [ "$r" = 1 ]; then
    pkts=$(bench_pcap_count "$T/sweep.pcap")
    echo "      (pcap written: $pkts packets, $(du -m "$T/sweep.pcap" | cut -f1) MB)"
  fi
  rm -f "$T/sweep.pcap"
done

echo
python3 - "$RES" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
by = {}
for r, name, sent, rep, span, drops in rows:
    by.setdefault(name, []).append((int(sent) / float(span), int(sent), None if rep == "-" else int(rep), drops))
print("per contender, probes sent per second: best (median) over %d round(s)" % len(by["pathmortem"]))
best, med = {}, {}
for name, v in by.items():
    best[name] = max(x[0] for x in v)
    med[name] = statistics.median(x[0] for x in v)
    extra = ""
    if name.startswith("pathmortem"):
        sent = sum(x[1] for x in v)
        rep = sum(x[2] for x in v)
        drops = sum(int(x[3]) for x in v)
        extra = "  matched %d of %d probes%s, capture drops %d" % (rep, sent, " (all)" if rep == sent else "", drops)
    print("  %-20s %8.0f/s (%8.0f/s)%s" % (name, best[name], med[name], extra))
def ratio(a, b, goal=""):
    print("  %-38s %.2f (%.2f)%s" % (a + " / " + b, best[a] / best[b], med[a] / med[b], goal))
print("ratios, best (median):")
ratio("pathmortem", "rawloop-send", "  goal >= 0.80")
ratio("pathmortem", "rawloop-send+recv")
ratio("pathmortem-pcap", "rawloop-send")
ratio("pathmortem-pcap", "pathmortem")
PY

if [ "$PERF" = 1 ] && [ -s "$T/perf.data" ]; then
  echo
  echo "perf: where the engine spends its time (round 1, 2 s of the probing phase, self time):"
  perf report -i "$T/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
    grep '%' | grep -v '^#' | head -30
fi
