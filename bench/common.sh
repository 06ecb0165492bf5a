# common.sh - shared helpers for the bench/ scripts: find the binary, time a command, read run figures from pathmortem's JSON.
# shellcheck shell=bash
# Sourced by bench/*.sh after tests/lab/lib.sh. Benchmarks print figures; they are never ctest tests.

BENCH_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_ROOT=$(cd "$BENCH_HOME/.." && pwd)

# bench_bin: sets PM_BIN (env PM_BIN, else build-bench/pathmortem, else build/pathmortem).
bench_bin() {
  if [ -z "${PM_BIN:-}" ]; then
    for c in "$BENCH_ROOT/build-bench/pathmortem" "$BENCH_ROOT/build/pathmortem"; do
      if [ -x "$c" ]; then PM_BIN=$c; break; fi
    done
  fi
  if [ -z "${PM_BIN:-}" ] || [ ! -x "$PM_BIN" ]; then
    echo "bench: no pathmortem binary; build it: cmake -B build-bench -DPM_TESTS=OFF && cmake --build build-bench -j2 (or set PM_BIN)" >&2
    exit 69
  fi
  PM_BIN=$(cd "$(dirname "$PM_BIN")" && pwd)/$(basename "$PM_BIN")
  export PM_BIN
}

# bench_need CMD...: one-line error and exit 69 when a tool is missing.
bench_need() {
  local c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || { echo "bench: '$c' is missing (see scripts/bootstrap.sh)" >&2; exit 69; }
  done
}

# bench_now: seconds since the epoch with nanoseconds.
bench_now() { date +%s.%N; }

# bench_elapsed START: seconds since START, 3 decimals.
bench_elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.3f", e - s }'; }

# bench_ratio A B: A/B with 2 decimals ("n/a" when B is 0).
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }

# bench_run_field JSON KEY: run.stats.KEY, or run.KEY, or "span" (run.ended_us - run.started_us in seconds).
bench_run_field() {
  python3 - "$1" "$2" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))["run"]
k = sys.argv[2]
if k == "span":
    print("%.3f" % ((run["ended_us"] - run["started_us"]) / 1e6))
elif k in run.get("stats", {}):
    print(run["stats"][k])
else:
    print(run[k])
PY
}

# bench_machine: one line describing where the figures come from.
bench_machine() {
  local cpu
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  echo "machine: $(nproc) CPUs ($cpu), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_pcap_count FILE: number of packets in a classic pcap file (record headers only, bounded by the file).
bench_pcap_count() {
  python3 - "$1" <<'PY'
import struct, sys
with open(sys.argv[1], "rb") as f:
    g = f.read(24)
    if len(g) < 24:
        sys.exit("bench: %s: not a pcap file" % sys.argv[1])
    magic = g[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        sys.exit("bench: %s: not a classic pcap file" % sys.argv[1])
    n = 0
    rec = struct.Struct(end + "IIII")
    while True:
        h = f.read(16)
        if len(h) < 16:
            break
        incl = rec.unpack(h)[2]
        if incl > 262144:
            sys.exit("bench: %s: record %d claims %d bytes" % (sys.argv[1], n, incl))
        f.seek(incl, 1)
        n += 1
    print(n)
PY
}

# bench_run_fields JSON KEY...: the same as bench_run_field for several keys, one line, one parse of the file.
bench_run_fields() {
  python3 - "$@" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))["run"]
out = []
for k in sys.argv[2:]:
    if k == "span":
        out.append("%.3f" % ((run["ended_us"] - run["started_us"]) / 1e6))
    elif k in run.get("stats", {}):
        out.append(str(run["stats"][k]))
    else:
        out.append(str(run[k]))
print(" ".join(out))
PY
}
