#!/usr/bin/env bash
# with-pg.sh - runs one command (a store test) against a private PostgreSQL server: PM_TEST_PG holds its libpq keywords; the server is stopped after, also after a failure.
# A test that needs the server fails when it cannot start one: it never skips.
set -euo pipefail
. "$(dirname "$0")/pg.sh"
trap pg_stop EXIT
trap 'exit 130' INT TERM
pg_start
export PM_TEST_PG="$PG_ADMIN"
"$@"
