#!/usr/bin/env bash
# geo_lookup.sh - bulk geo lookups per second: `pathmortem geo lookup -` on the full @ip-location-db ASN table, text and JSON Lines, against the argument form.
#
# usage: bench/geo_lookup.sh [--csv asn-ipv4.csv] [--count N] [--runs R]
#
# The ASN table is the CSV of the npm package @ip-location-db/asn (CC BY 4.0:
# RouteViews, NRO and DB-IP data): --csv FILE, else node_modules/ under the
# checkout or the current directory, else `npm install` into the temporary
# directory. `pathmortem geo build` turns it into an MMDB. N addresses
# (default 4,000,000, bench/gen_addrs.c: pseudo-random, first octet 1..223,
# seed fixed) are looked up in one process per run, output to /dev/null:
#   text  : geo lookup --asn-db ASN.mmdb --geo-db none -       (best of R)
#   json  : the same with --format json                         (best of R)
#   +city : text with the shipped default-city.mmdb as well     (best of R)
#   empty : the same process on an empty input: opening and checking the
#           databases, printed separately and included in the rates above
#   args  : the argument form (at most 4,096 addresses per call), on the
#           first 409,600 addresses, 100 calls: the database opened and
#           checked once per call
# Before timing, one text run's output is checked: one line per address.
# Nothing is sent anywhere; root is not needed (as root, pathmortem drops to
# 'nobody', so the files live in a world-readable temporary directory).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/common.sh
. "$HERE/common.sh"

CSV='' COUNT=4000000 RUNS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --csv) CSV=${2:?}; shift 2 ;;
    --count) COUNT=${2:?}; shift 2 ;;
    --runs) RUNS=${2:?}; shift 2 ;;
    *) echo "usage: bench/geo_lookup.sh [--csv asn-ipv4.csv] [--count N] [--runs R]" >&2; exit 64 ;;
  esac
done
[[ $RUNS =~ ^[1-9]$ ]] || { echo "geo_lookup: --runs must be 1..9" >&2; exit 64; }
if ! [[ $COUNT =~ ^[1-9][0-9]*$ ]] || [ "$COUNT" -lt 409600 ] || [ "$COUNT" -gt 100000000 ]; then
  echo "geo_lookup: --count must be 409600..100000000" >&2
  exit 64
fi

bench_bin
bench_need cc /usr/bin/time awk
T=$(mktemp -d "${TMPDIR:-/tmp}/pmgeo.XXXXXX")
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "$CSV" ]; then
  for c in "$BENCH_ROOT/node_modules/@ip-location-db/asn/asn-ipv4.csv" "$PWD/node_modules/@ip-location-db/asn/asn-ipv4.csv"; do
    if [ -f "$c" ]; then CSV=$c; break; fi
  done
fi
if [ -z "$CSV" ]; then
  bench_need npm
  echo "geo_lookup: installing @ip-location-db/asn with npm into $T"
  npm install --prefix "$T" --no-audit --no-fund @ip-location-db/asn >"$T/npm.log" 2>&1 ||
    { echo "geo_lookup: npm install @ip-location-db/asn failed (see npm's log)" >&2; tail -5 "$T/npm.log" >&2; exit 69; }
  CSV=$T/node_modules/@ip-location-db/asn/asn-ipv4.csv
fi
[ -r "$CSV" ] || { echo "geo_lookup: cannot read $CSV" >&2; exit 66; }
CITY=$(dirname "$PM_BIN")/data/default-city.mmdb
[ -r "$CITY" ] || CITY=''

bench_machine
echo "binary: $PM_BIN"
"$PM_BIN" geo build -o "$T/asn.mmdb" "$CSV" | sed 's/^/geo build: /'
chmod 644 "$T/asn.mmdb"
cc -O2 -std=c17 -o "$T/gen_addrs" "$HERE/gen_addrs.c"
"$T/gen_addrs" "$COUNT" 1 >"$T/addrs.txt"
head -n 409600 "$T/addrs.txt" >"$T/addrs-args.txt"
: >"$T/empty.txt"
chmod 644 "$T"/*.txt
echo "input: $COUNT addresses, $(wc -c <"$T/addrs.txt") bytes"

# The output is what it claims before anything is timed.
lines=$("$PM_BIN" geo lookup --asn-db "$T/asn.mmdb" --geo-db none - <"$T/addrs.txt" 2>/dev/null | wc -l)
[ "$lines" = "$COUNT" ] || { echo "geo_lookup: $lines output lines for $COUNT addresses" >&2; exit 1; }
known=$("$PM_BIN" geo lookup --asn-db "$T/asn.mmdb" --geo-db none - <"$T/addrs-args.txt" 2>/dev/null |
  awk -F'\t' '$2 != "-"' | wc -l)
echo "check: one line per address; $known of the first 409,600 have an ASN"
echo

# timed NAME INPUT ARGS...: best of RUNS; prints wall, CPU and peak RSS
timed() {
  local name=$1 input=$2 best='' cpu='' rss='' r; shift 2
  for r in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %U %S %M' -o "$T/time" "$PM_BIN" geo lookup "$@" - <"$input" >/dev/null 2>"$T/err" ||
      { echo "geo_lookup: $name failed: $(tail -1 "$T/err")" >&2; exit 1; }
    read -r e u s m <"$T/time"
    if [ -z "$best" ] || awk -v a="$e" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$e cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }') rss=$m
    fi
  done
  echo "$name $best $cpu $rss"
}

printf '%-8s %10s %8s %8s %14s %10s\n' run lookups wall_s cpu_s lookups/s rss_MB
row() { # NAME N WALL CPU RSS
  printf '%-8s %10s %8s %8s %14s %10s\n' "$1" "$2" "$3" "$4" \
    "$(awk -v n="$2" -v w="$3" 'BEGIN { if (w > 0) printf "%.0f", n / w; else print "n/a" }')" \
    "$(awk -v k="$5" 'BEGIN { printf "%.1f", k / 1024 }')"
}
read -r _ e c m < <(timed empty "$T/empty.txt" --asn-db "$T/asn.mmdb" --geo-db none)
row empty 0 "$e" "$c" "$m"
read -r _ e c m < <(timed text "$T/addrs.txt" --asn-db "$T/asn.mmdb" --geo-db none)
row text "$COUNT" "$e" "$c" "$m"
TEXT_RATE=$(awk -v n="$COUNT" -v w="$e" 'BEGIN { printf "%.0f", n / w }')
read -r _ e c m < <(timed json "$T/addrs.txt" --asn-db "$T/asn.mmdb" --geo-db none --format json)
row json "$COUNT" "$e" "$c" "$m"
JSON_RATE=$(awk -v n="$COUNT" -v w="$e" 'BEGIN { printf "%.0f", n / w }')
if [ -n "$CITY" ]; then
  read -r _ e c m < <(timed +city "$T/addrs.txt" --asn-db "$T/asn.mmdb" --geo-db "$CITY")
  row +city "$COUNT" "$e" "$c" "$m"
fi

# The argument form: 100 calls of 4,096 addresses, each opening and checking the database.
t0=$(bench_now)
xargs -n 4096 "$PM_BIN" geo lookup --asn-db "$T/asn.mmdb" --geo-db none <"$T/addrs-args.txt" >/dev/null 2>&1 ||
  { echo "geo_lookup: the argument form failed" >&2; exit 1; }
e=$(bench_elapsed "$t0")
row args 409600 "$e" "-" 0
ARGS_RATE=$(awk -v w="$e" 'BEGIN { printf "%.0f", 409600 / w }')
echo
echo "goal: >= 2,000,000 lookups/s: text $TEXT_RATE/s ($(bench_ratio "$TEXT_RATE" 2000000)x of the goal)," \
  "json $JSON_RATE/s ($(bench_ratio "$JSON_RATE" 2000000)x); stdin vs the argument form: $(bench_ratio "$TEXT_RATE" "$ARGS_RATE")x"
