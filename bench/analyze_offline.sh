#!/usr/bin/env bash
# analyze_offline.sh - offline analysis speed and memory: pathmortem analyze on a synthetic multi-million-packet sweep pcap, against tshark, tcpdump and a bare libpcap read.
#
# usage: bench/analyze_offline.sh [--targets N] [--hops H] [--runs R] [--limit S]
#
# The pcap is written by bench/gen_sweep_pcap.c, which encodes probes with
# pathmortem's own probe_encode (linked from the build's libpm_match.a), so
# every reply is accepted: the script checks run.stats.replies_matched before
# timing anything. Nothing is sent anywhere; root is not needed (as root,
# pathmortem drops to 'nobody', so the files live in a world-readable
# temporary directory, removed at exit).
# Timed, one thread each, output to /dev/null:
#   pathmortem analyze --format csv -o /dev/null FILE   (best of R runs)
#   tcpdump -nr FILE                                      (one run, killed after S s)
#   tshark -r FILE                                        (one run, killed after S s)
#   pcapcount FILE (bench/pcapcount.c: libpcap read loop, the floor)
# Peak memory is /usr/bin/time's "maximum resident set size". Then the memory
# check: the same (target, TTL) pairs written with 1x and 4x the packets
# (duplicate replies; answered retries) should give similar peak memory.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/common.sh
. "$HERE/common.sh"

TARGETS=65536 HOPS=16 RUNS=3 LIMIT=150
while [ $# -gt 0 ]; do
  case "$1" in
    --targets) TARGETS=${2:?}; shift 2 ;;
    --hops) HOPS=${2:?}; shift 2 ;;
    --runs) RUNS=${2:?}; shift 2 ;;
    --limit) LIMIT=${2:?}; shift 2 ;;
    *) echo "usage: bench/analyze_offline.sh [--targets N] [--hops H] [--runs R] [--limit S]" >&2; exit 64 ;;
  esac
done
[[ $RUNS =~ ^[1-9]$ ]] || { echo "analyze_offline: --runs must be 1..9" >&2; exit 64; }
if ! [[ $LIMIT =~ ^[1-9][0-9]*$ ]] || [ "$LIMIT" -gt 900 ]; then echo "analyze_offline: --limit must be 1..900 s" >&2; exit 64; fi
if ! [[ $TARGETS =~ ^[0-9]+$ ]] || [ "$TARGETS" -lt 1024 ] || [ "$TARGETS" -gt 1048576 ] ||
  [ $((TARGETS & (TARGETS - 1))) -ne 0 ]; then
  echo "analyze_offline: --targets must be a power of two in 1024..1048576" >&2
  exit 64
fi
if ! [[ $HOPS =~ ^[0-9]+$ ]] || [ "$HOPS" -lt 2 ] || [ "$HOPS" -gt 30 ]; then echo "analyze_offline: --hops must be 2..30" >&2; exit 64; fi

bench_bin
bench_need cc python3 tcpdump tshark timeout /usr/bin/time
BUILD=$(dirname "$PM_BIN")
[ -f "$BUILD/libpm_match.a" ] || { echo "analyze_offline: $BUILD/libpm_match.a missing (build the project first)" >&2; exit 69; }

T=$(mktemp -d "${TMPDIR:-/tmp}/pmbench.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cc -O2 -std=c17 -I "$BENCH_ROOT/include" -o "$T/gen" "$HERE/gen_sweep_pcap.c" "$BUILD/libpm_match.a" "$BUILD/libpm_trace.a" "$BUILD/libpm_wire.a" "$BUILD/libpm_util.a" -lsodium -lm
cc -O2 -std=c17 -o "$T/pcapcount" "$HERE/pcapcount.c" -lpcap

# gen FILE TARGETS HOPS ATTEMPTS DUPS: writes FILE, prints the generator's figures
gen() {
  local f=$1; shift
  "$T/gen" "$f" "$@"
  chmod 644 "$f"
}
field() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" <<<"$2"; }

# measure NAME CMD...: runs CMD with stdout to /dev/null, killed after LIMIT s;
# sets M_SECS, M_CPU (user + system seconds), M_KB (peak RSS of CMD, which
# wait4 reports through timeout)
# and M_KILLED=1 when the limit was hit.
measure() {
  local name=$1 rc=0; shift
  M_KILLED=0
  /usr/bin/time -f '%e %M %U %S' -o "$T/time" timeout -s KILL "$LIMIT" "$@" >/dev/null 2>"$T/$name.err" || rc=$?
  local u sy
  read -r M_SECS M_KB u sy < <(tail -1 "$T/time")
  M_CPU=$(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%.2f", u + s }')
  if [ "$rc" = 137 ]; then
    M_KILLED=1
  elif [ "$rc" != 0 ]; then
    echo "analyze_offline: $name failed (exit $rc): $(head -c 300 "$T/$name.err")" >&2
    exit 1
  fi
}

# check FILE WANT_MATCHED: pathmortem analyze --format json must accept WANT replies
check() {
  local rc=0 matched dup rej
  "$PM_BIN" analyze --format json -o "$T/check.json" "$1" 2>"$T/check.err" || rc=$?
  if [ "$rc" -gt 2 ]; then
    echo "analyze_offline: pathmortem analyze $1 failed (exit $rc): $(head -c 300 "$T/check.err")" >&2
    exit 1
  fi
  read -r matched dup rej < <(python3 - "$T/check.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["run"]["stats"]
print(s["replies_matched"], s["rejected_duplicate"],
      s["rejected_unknown"] + s["rejected_late"] + s["rejected_mismatch"] + s["dropped_malformed"])
PY
)
  rm -f "$T/check.json"
  if [ "$matched" != "$2" ] || [ "$rej" != 0 ]; then
    echo "analyze_offline: pathmortem accepted $matched replies of $2 ($rej rejected): the figure would be meaningless" >&2
    exit 1
  fi
  CHECK="replies matched $matched of $2, duplicates rejected $dup, other rejects 0"
}

bench_machine
echo "binary: $PM_BIN; $(tshark -v 2>/dev/null | head -1); $(tcpdump --version 2>&1 | head -1)"
echo

F=$T/sweep.pcap
info=$(gen "$F" "$TARGETS" "$HOPS" 1 1)
pkts=$(field packets "$info") pairs=$(field pairs "$info")
echo "file: $TARGETS targets x $HOPS TTLs = $pairs (target, TTL) pairs, one probe and one reply each:"
echo "      $pkts packets, $(du -m "$F" | cut -f1) MB, $(field addresses "$info") distinct addresses" \
  "($TARGETS targets, $(field routers "$info") routers, 1 source)"
check "$F" "$pairs"
echo "      pathmortem analyze --format json: $CHECK"
echo

printf '%-36s %8s %12s %7s %12s %12s\n' reader seconds packets/s cpu_s pkts/cpu_s peak_RSS_MB
# per N SECS: N / SECS rounded ("n/a" when SECS rounds to 0, as for tiny files)
per() { awk -v n="$1" -v s="$2" 'BEGIN { if (s + 0 == 0) print "n/a"; else printf "%.0f", n / s }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
row() {
  if [ "$M_KILLED" = 1 ]; then
    printf '%-36s %8s %12s %7s %12s %12s   (killed at the %s s limit: rate below this)\n' "$1" ">$2" \
      "<$(per "$pkts" "$2")" "$4" - "$(mb "$3")" "$LIMIT"
  else
    printf '%-36s %8s %12s %7s %12s %12s\n' "$1" "$2" "$(per "$pkts" "$2")" "$4" "$(per "$pkts" "$4")" "$(mb "$3")"
  fi
}
M_KILLED=0
measure pcapcount "$T/pcapcount" "$F"; row "libpcap read loop (floor)" "$M_SECS" "$M_KB" "$M_CPU"; PC=$M_SECS
best=
for _ in $(seq "$RUNS"); do
  measure pathmortem "$PM_BIN" analyze --format csv -o /dev/null "$F"
  if [ -z "$best" ] || awk -v a="$M_SECS" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$M_SECS PM_KB=$M_KB PM_CPU=$M_CPU; fi
done
row "pathmortem analyze (best of $RUNS)" "$best" "$PM_KB" "$PM_CPU"; PM=$best
TD_K='' TS_K=''
measure tcpdump tcpdump -nr "$F"; row "tcpdump -nr" "$M_SECS" "$M_KB" "$M_CPU"; TD=$M_SECS TD_KB=$M_KB
[ "$M_KILLED" = 0 ] || TD_K=1
measure tshark tshark -r "$F"; row "tshark -r" "$M_SECS" "$M_KB" "$M_CPU"; TS=$M_SECS TS_KB=$M_KB
[ "$M_KILLED" = 0 ] || TS_K=1
echo
echo "speed ratios (pathmortem is N times faster): vs tshark $(bench_ratio "$TS" "$PM")${TS_K:+ or more}," \
  "vs tcpdump $(bench_ratio "$TD" "$PM")${TD_K:+ or more}; pathmortem / libpcap floor $(bench_ratio "$PC" "$PM")"
echo "pathmortem: $(awk -v p="$pkts" -v s="$PM" 'BEGIN { printf "%.2f", p / s / 1e6 }') million packets/s end to end," \
  "$(awk -v p="$pkts" -v s="$PM_CPU" 'BEGIN { printf "%.2f", p / s / 1e6 }') million per CPU-second (goal >= 2)"
echo "memory ratios (pathmortem / peer): vs tshark $(bench_ratio "$PM_KB" "$TS_KB"), vs tcpdump $(bench_ratio "$PM_KB" "$TD_KB")"
rm -f "$F"

echo
MT=$((TARGETS / 4))
[ "$MT" -ge 1024 ] || MT=1024
echo "memory vs packets: $MT targets x $HOPS TTLs = $((MT * HOPS)) pairs in every file"
printf '%-44s %9s %8s %12s %7s %12s\n' file packets seconds packets/s cpu_s peak_RSS_MB
for v in "1 1 1x: one probe, one reply" "1 7 4x: one probe, 7 copies of its reply" "4 1 4x: 4 attempts, each answered"; do
  read -r a d label <<<"$v"
  info=$(gen "$T/m.pcap" "$MT" "$HOPS" "$a" "$d")
  n=$(field packets "$info")
  check "$T/m.pcap" "$((MT * HOPS * a))"
  measure pathmortem "$PM_BIN" analyze --format csv -o /dev/null "$T/m.pcap"
  printf '%-44s %9s %8s %12s %7s %12s\n' "$label" "$n" "$M_SECS" "$(per "$n" "$M_SECS")" "$M_CPU" "$(mb "$M_KB")"
  echo "    ($CHECK)"
  rm -f "$T/m.pcap"
done
