# pg.sh - sourced by tests that need a PostgreSQL server: starts a private one on a temp dir and a Unix socket, stopped by pg_stop (call it from an EXIT trap).
# The server runs as the postgres user (tests run as root; postgres refuses
# root) or as the caller when not root. It listens on no TCP port, trusts
# only its own socket's local connections, and lives under one temp dir.
# After pg_start: PG_DIR, PG_SOCK, PG_PORT, and PG_ADMIN, the libpq keywords
# of its superuser without a dbname.

pg_bindir() {
  local d
  d=$(pg_config --bindir 2>/dev/null || true)
  if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  fi
  [ -x "$d/initdb" ] || { echo "pg.sh: no initdb (Debian package postgresql; scripts/bootstrap.sh installs it)" >&2; return 1; }
  echo "$d"
}

# runs "$@" as the server's user
pg_as() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

pg_start() {
  PG_BIN=$(pg_bindir) || return 1
  PG_USER=$(id -un)
  if [ "$(id -u)" -eq 0 ]; then
    PG_USER=postgres
    id "$PG_USER" >/dev/null 2>&1 || { echo "pg.sh: no user 'postgres' to run the server as" >&2; return 1; }
  fi
  PG_DIR=$(mktemp -d /tmp/pm-pg-XXXXXX)
  chmod 755 "$PG_DIR"
  mkdir "$PG_DIR/sock"
  [ "$(id -u)" -eq 0 ] && chown "$PG_USER" "$PG_DIR" "$PG_DIR/sock"
  # a port number only names the socket file (no TCP); random so parallel servers differ
  PG_PORT=$(( 20000 + RANDOM % 20000 ))
  PG_SOCK=$PG_DIR/sock
  pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 ||
    { echo "pg.sh: initdb failed:" >&2; tail -n 5 "$PG_DIR/initdb.log" >&2; return 1; }
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
    -o "-c listen_addresses= -k $PG_SOCK -p $PG_PORT -c fsync=on -c max_connections=60 -c shared_buffers=32MB" start >/dev/null ||
    { echo "pg.sh: the server did not start:" >&2; tail -n 5 "$PG_DIR/server.log" >&2; return 1; }
  PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
  PG_ADMIN="host=$PG_SOCK port=$PG_PORT user=postgres"
  export PG_DIR PG_SOCK PG_PORT PG_ADMIN PG_PID
}

# Stops the server (fast: its data is thrown away) and removes its dir.
pg_stop() {
  [ -n "${PG_DIR:-}" ] || return 0
  if [ -f "$PG_DIR/data/postmaster.pid" ]; then
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 20 stop >/dev/null 2>&1 ||
      { [ -n "${PG_PID:-}" ] && kill -9 "$PG_PID" 2>/dev/null; }
  fi
  rm -rf "$PG_DIR"
  PG_DIR=
}

# psql as the superuser on database $1 (rest: psql arguments)
pg_psql() {
  local db=$1; shift
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$PG_ADMIN dbname=$db" "$@"
}
