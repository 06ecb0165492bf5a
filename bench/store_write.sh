#!/usr/bin/env bash
# store_write.sh - snapshots/s into PostgreSQL from 1, 4 and 16 concurrent writers and into SQLite from one, and the store size per /22 snapshot (bench/store_write.c).
# usage: bench/store_write.sh [BUILD_DIR] [SNAPSHOTS]   (SNAPSHOTS per configuration, default 64; a private
# PostgreSQL server is started on a temp dir and a Unix socket as the postgres user, and stopped after)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${1:-$ROOT/build}
TOTAL=${2:-64}
[[ $TOTAL =~ ^[0-9]+$ ]] && [ "$TOTAL" -ge 16 ] || { echo "store_write: SNAPSHOTS must be a number >= 16" >&2; exit 64; }
[ -f "$BUILD/libpm_store.a" ] || { echo "store_write: $BUILD/libpm_store.a missing (build the project first)" >&2; exit 69; }
. "$ROOT/tests/pg/pg.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/pm-storebench.XXXXXX")
chmod 755 "$T"
trap 'pg_stop; rm -rf "$T"' EXIT
L="$BUILD/libpm_store.a $BUILD/libpm_analyze.a $BUILD/libpm_trace.a $BUILD/libpm_wire.a $BUILD/libpm_util.a"
# shellcheck disable=SC2086
cc -O2 -std=c17 -D_DEFAULT_SOURCE -I "$ROOT/include" -o "$T/store_write" "$HERE/store_write.c" $L \
  $(pkg-config --libs sqlite3 libpq jansson zlib) -lm
pg_start
echo "machine: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') (fsync on, synchronous_commit on), SQLite $(pkg-config --modversion sqlite3) (WAL, synchronous FULL)"
printf '%-12s %8s %10s %9s %12s %14s\n' store writers snapshots seconds "snapshots/s" "KiB/snapshot"
size_pg() { pg_psql "$1" -At -c "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"; }
for w in 1 4 16; do
  db=bench_$w
  pg_psql postgres -c "CREATE DATABASE $db"
  "$BUILD/pathmortem" store init --store "$PG_ADMIN dbname=$db" >/dev/null
  before=$(size_pg "$db")
  out=$(PATHMORTEM_SPOOL=$T/spool "$T/store_write" "$PG_ADMIN dbname=$db" "$w" $((TOTAL / w)))
  pg_psql "$db" -c "VACUUM ANALYZE" >/dev/null
  after=$(size_pg "$db")
  read -r _ n _ s _ r _ o <<<"$out"
  printf '%-12s %8s %10s %9s %12s %14s   (open %ss)\n' postgresql "$w" "$n" "$s" "$r" "$(( (after - before) / n / 1024 ))" "$o"
done
out=$("$T/store_write" "$T/s.db" 1 "$TOTAL")
read -r _ n _ s _ r _ o <<<"$out"
sqlite3 "$T/s.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
empty=$T/e.db
"$BUILD/pathmortem" store init --store "$empty" >/dev/null
printf '%-12s %8s %10s %9s %12s %14s\n' sqlite 1 "$n" "$s" "$r" "$(( ($(stat -c %s "$T/s.db") - $(stat -c %s "$empty")) / n / 1024 ))"
