#!/usr/bin/env bash
# pg_fleet.sh - three vantage namespaces snapshot the lab's /22 at once into one PostgreSQL store across a fault and its repair:
# history --by-vantage gives each the right episodes; the server killed while they write, then restarted, loses and
# duplicates nothing; a vantage that cannot reach the server spools and catches up; export | import moves SQLite into it.
. "$(dirname "$0")/common.sh" "$1"
. "$SRC/tests/pg/pg.sh"
# Dense variant, as snapshot_history: every address answers, so the episodes are exact.
lab_up --dense
trap 'pg_stop; lab_cleanup' EXIT
pg_start
fail() { echo "FAIL: $*"; exit 1; }

# Two more vantages beside vp, each on its own link to the access router
# (198.18.2.0/31, 198.18.2.2/31: inside the access block every router
# routes back to acc). Named <prefix>-vpN, they go with the lab.
for i in 2 3; do
  n=vp$i a=198.18.2.$(( (i - 2) * 2 )) b=198.18.2.$(( (i - 2) * 2 + 1 ))
  ip netns add "$LAB_PREFIX-$n"
  ip -n "$LAB_PREFIX-$n" link set lo up
  ip link add "pmv$$$i" type veth peer name "pmw$$$i"
  ip link set "pmv$$$i" netns "$LAB_PREFIX-$n"
  ip link set "pmw$$$i" netns "$LAB_PREFIX-acc"
  ip -n "$LAB_PREFIX-$n" link set "pmv$$$i" name acc
  ip -n "$LAB_PREFIX-acc" link set "pmw$$$i" name "$n"
  ip -n "$LAB_PREFIX-$n" addr add "$b/31" dev acc
  ip -n "$LAB_PREFIX-acc" addr add "$a/31" dev "$n"
  ip -n "$LAB_PREFIX-$n" link set acc up
  ip -n "$LAB_PREFIX-acc" link set "$n" up
  ip -n "$LAB_PREFIX-$n" route add 198.18.0.0/15 via "$a"
done

# The fleet database: created by its owner, the schema by `store init`, a
# writer role that may only add rows and a reader that may only read.
pg_psql postgres -c "CREATE DATABASE fleet"
"$BUILD/pathmortem" store init --store "$PG_ADMIN dbname=fleet"
pg_psql fleet <<'SQL'
CREATE ROLE pm_writer LOGIN; CREATE ROLE pm_reader LOGIN;
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO pm_writer;
GRANT USAGE ON SEQUENCE snapshots_id_seq TO pm_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO pm_reader;
SQL
WRITER="host=$PG_SOCK port=$PG_PORT user=pm_writer dbname=fleet"
READER="host=$PG_SOCK port=$PG_PORT user=pm_reader dbname=fleet"

# snap NODE VANTAGE [STORE]: one snapshot of the /22 from NODE; prints its exit status
snap() {
  local rc=0
  # ip netns exec: lab.sh knows only its own nodes, not the two added here
  ip netns exec "$LAB_PREFIX-$1" timeout 300 "$BUILD/pathmortem" snapshot --asn-db "$LAB_TMP/lab-asn.mmdb" \
    --store "${3:-$WRITER}" --vantage "$2" --spool "$LAB_TMP/spool-$2" --no-progress --quiet --rate 5000 --wait 0.5 \
    lab-starjv >>"$LAB_TMP/snap-$2.log" 2>&1 || rc=$?
  echo $rc
}
# round WANT: the three vantages at once; each must exit WANT
round() {
  local v pids=() rcs
  for v in vp vp2 vp3; do snap "$v" "fleet-$v" >"$LAB_TMP/rc-$v" & pids+=($!); done
  wait "${pids[@]}"
  rcs=$(cat "$LAB_TMP"/rc-vp "$LAB_TMP"/rc-vp2 "$LAB_TMP"/rc-vp3 | tr '\n' ' ')
  [ "$rcs" = "$1 $1 $1 " ] || { tail -n 3 "$LAB_TMP"/snap-*.log; fail "round: exit statuses $rcs, expected $1 from each"; }
}
count() { pg_psql fleet -At -c "SELECT count(*) FROM snapshots"; }

round 0
round 0
lab_fault withdraw cu2a
round 1
round 1
lab_repair withdraw cu2a
round 0
[ "$(count)" = 15 ] || fail "the server holds $(count) snapshots, expected 15"
echo "ok: 3 vantages x 5 rounds at once, 15 snapshots"

# the writer role cannot change what is stored
if pg_psql fleet -c "SET ROLE pm_writer; DELETE FROM snapshots" 2>/dev/null; then fail "pm_writer could delete"; fi
if pg_psql fleet -c "SET ROLE pm_reader; INSERT INTO meta VALUES ('x','y')" 2>/dev/null; then fail "pm_reader could insert"; fi

check_history() { # FILE: 198.19.176.0/24 reached x2, died in AS4837 x2, reached x1 from each vantage
  python3 - "$1" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
def of(h):
    eps = [e for e in h['episodes'] if e['prefix'] == '198.19.176.0/24']
    return [(e['state'], e['snapshots'], (e.get('dies_in') or {}).get('asn')) for e in eps]
seen = {v['vantage']: of(v['history']) for v in doc['vantages']}
assert set(seen) == {'fleet-vp', 'fleet-vp2', 'fleet-vp3'}, seen.keys()
for v, got in seen.items():
    assert [g[:2] for g in got] == [('reached', 2), ('died', 2), ('reached', 1)], (v, got)
    assert got[1][2] == 4837, (v, got)
# all vantages together: the three snapshots of each round in one sequence
together = of(doc['all'])
assert [g[:2] for g in together] == [('reached', 6), ('died', 6), ('reached', 3)], together
# across the vantages, each one's latest snapshot: reached from all three again
across = {a['prefix']: a for a in doc['across']}
a = across['198.19.176.0/24']
assert (a['vantages'], a['reached'], a['died'], a['since']) == (3, 3, 0, None), a
print('ok: by vantage:', {k: [g[:2] for g in v] for k, v in seen.items()}, 'together:', [g[:2] for g in together],
      'across:', (a['reached'], a['died']))
PY
}
"$BUILD/pathmortem" history --store "$READER" --by-vantage --format json >"$LAB_TMP/h.json"
check_history "$LAB_TMP/h.json"
# during the fault (rounds 3 and 4: history until the end of round 4), across the vantages: dead
# from all three, in AS4837, since round 3
t4=$(pg_psql fleet -At -c "SELECT max(started_us) FROM (SELECT started_us FROM snapshots ORDER BY started_us DESC OFFSET 3) x")
until=$(python3 -c "import datetime,sys; print(datetime.datetime.fromtimestamp(int(sys.argv[1])/1e6 + 1, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))" "$t4")
"$BUILD/pathmortem" history --store "$READER" --by-vantage --until "$until" >"$LAB_TMP/h-fault.txt"
grep -E '^198\.19\.176\.0/24 +dead from 3, reachable from 0 of 3 vantages; dying in .*AS4837.* from 3; all of them since' \
  "$LAB_TMP/h-fault.txt" || { cat "$LAB_TMP/h-fault.txt"; fail "across vantages during the fault"; }
echo "ok: during the fault, across the vantages: $(grep '^198.19.176.0/24 ' "$LAB_TMP/h-fault.txt" | tail -n 1)"

# The server killed (immediate: no shutdown, uncommitted work lost) in the
# middle of the three commits: a test trigger holds each snapshot's
# transaction open in its COPY of hops for 30 s, and the kill comes once
# all three writers are waiting there. Each snapshot must then be spooled
# (its transaction died with the server), and after the restart the next
# round sends the spool: none lost, none twice.
pg_psql fleet <<'SQL'
CREATE FUNCTION pm_test_slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$;
CREATE TRIGGER pm_test_slow AFTER INSERT ON hops FOR EACH STATEMENT EXECUTE FUNCTION pm_test_slow();
SQL
pids=()
for v in vp vp2 vp3; do snap "$v" "fleet-$v" >"$LAB_TMP/rc-$v" & pids+=($!); done
in_commit=0
for _ in $(seq 1 600); do
  in_commit=$(pg_psql postgres -At -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'fleet' AND wait_event = 'PgSleep'")
  [ "$in_commit" = 3 ] && break
  sleep 0.1
done
[ "$in_commit" = 3 ] || fail "the three writers never reached their commit ($in_commit did)"
pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null
wait "${pids[@]}"
for v in vp vp2 vp3; do [ "$(cat "$LAB_TMP/rc-$v")" = 0 ] || fail "$v exited $(cat "$LAB_TMP/rc-$v") with the server gone"; done
spooled=$(ls "$LAB_TMP"/spool-fleet-vp*/snap-*.jsonl 2>/dev/null | wc -l)
pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
  -o "-c listen_addresses= -k $PG_SOCK -p $PG_PORT" start >/dev/null
pg_psql fleet -c "DROP TRIGGER pm_test_slow ON hops"
on_server=$(count)
[ "$on_server" = 15 ] && [ "$spooled" = 3 ] || fail "after the kill mid-commit: $on_server on the server (want 15), $spooled spooled (want 3)"
echo "ok: server killed in the middle of 3 commits: none half-stored, 3 spooled"
round 0
[ "$(count)" = 21 ] || fail "after the restart the server holds $(count) snapshots, expected 21"
[ -z "$(ls "$LAB_TMP"/spool-fleet-vp*/snap-*.jsonl 2>/dev/null)" ] || fail "the spool was not emptied"
dups=$(pg_psql fleet -At -c "SELECT count(*) FROM (SELECT 1 FROM snapshots GROUP BY vantage, started_us HAVING count(*) > 1) d")
[ "$dups" = 0 ] || fail "$dups snapshots stored twice"
echo "ok: restarted server: 21 snapshots, the spool sent, none twice"

# A vantage with the server unreachable (a socket directory that does not
# exist): it measures, spools, and the next run that reaches the server
# catches up.
GONE="host=$LAB_TMP/no-server port=$PG_PORT user=pm_writer dbname=fleet"
[ "$(snap vp2 fleet-vp2 "$GONE")" = 0 ] || fail "snapshot with the server unreachable did not exit 0"
[ "$(snap vp2 fleet-vp2 "$GONE")" = 0 ] || fail "second snapshot with the server unreachable did not exit 0"
[ "$(ls "$LAB_TMP"/spool-fleet-vp2/snap-*.jsonl | wc -l)" = 2 ] || fail "two snapshots should be spooled"
grep -q "goes to the spool" "$LAB_TMP/snap-fleet-vp2.log" || fail "no word that the snapshot was spooled"
[ "$(count)" = 21 ] || fail "the unreachable runs changed the server"
[ "$(snap vp2 fleet-vp2)" = 0 ] || fail "the catching-up snapshot failed"
[ "$(count)" = 24 ] || fail "after catching up the server holds $(count), expected 24"
echo "ok: unreachable server: 2 spooled, sent with the next run (24)"
"$BUILD/pathmortem" history --store "$READER" --by-vantage --format json >"$LAB_TMP/h2.json"
python3 - "$LAB_TMP/h2.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
n = {v['vantage']: v['history']['snapshots'] if 'snapshots' in v['history'] else None for v in doc['vantages']}
print('ok: snapshots per vantage after catching up:', n)
PY

# one vantage's view: diff within it, export of it, the Prometheus file across the three
"$BUILD/pathmortem" diff --store "$READER" --vantage fleet-vp --format json latest~1 latest >"$LAB_TMP/diff.json" ||
  fail "diff --vantage"
[ "$("$BUILD/pathmortem" export --store "$READER" --vantage fleet-vp2 | wc -l)" = 10 ] || fail "export --vantage fleet-vp2"
mkdir -p "$LAB_TMP/prom" && chown nobody "$LAB_TMP/prom"
ip netns exec "$LAB_PREFIX-vp3" "$BUILD/pathmortem" snapshot --asn-db "$LAB_TMP/lab-asn.mmdb" --store "$WRITER" \
  --vantage fleet-vp3 --spool "$LAB_TMP/spool-fleet-vp3" --prom "$LAB_TMP/prom/pm.prom" --no-progress --quiet \
  --rate 5000 --wait 0.5 lab-starjv || fail "snapshot --prom"
grep -q '^pathmortem_prefix_vantages{prefix="198.19.176.0/24",state="reachable"} 3$' "$LAB_TMP/prom/pm.prom" ||
  fail "prometheus: not 3 vantages reaching 198.19.176.0/24"
grep -q '^pathmortem_prefix_reachable{vantage="fleet-vp2",prefix="198.19.176.0/24"} 1$' "$LAB_TMP/prom/pm.prom" ||
  fail "prometheus: no per-vantage metric"
echo "ok: diff and export per vantage; the Prometheus file per vantage and across vantages"

# no password anywhere: the pcaps stay in the spools, the logs name the store without secrets
! grep -rq "password" "$LAB_TMP"/snap-*.log || fail "a log mentions a password"
ls "$LAB_TMP"/spool-fleet-vp/pcaps/*.pcap.gz >/dev/null || fail "no pcap kept on the vantage"

# export | import: an SQLite history into the fleet store, stored once
STORE=$LAB_TMP/local/store.db
mkdir -p "$LAB_TMP/local"
[ "$(snap vp local-sqlite "$STORE")" = 0 ] || fail "SQLite snapshot"
[ "$(snap vp local-sqlite "$STORE")" = 0 ] || fail "SQLite snapshot"
"$BUILD/pathmortem" export --store "$STORE" | "$BUILD/pathmortem" import --store "$WRITER" -
"$BUILD/pathmortem" export --store "$STORE" | "$BUILD/pathmortem" import --store "$WRITER" - 2>&1 | grep -q "imported 0 snapshots, skipped 2" ||
  fail "a second import stored something again"
[ "$(count)" = 27 ] || fail "after the import the server holds $(count), expected 27"
"$BUILD/pathmortem" export --store "$STORE" >"$LAB_TMP/a.jsonl"
"$BUILD/pathmortem" export --store "$READER" | grep '"vantage":"local-sqlite"' >"$LAB_TMP/b.jsonl"
cmp -s "$LAB_TMP/a.jsonl" "$LAB_TMP/b.jsonl" || fail "the imported snapshots differ from the SQLite ones"
echo "ok: export | import moved 2 SQLite snapshots into the fleet store, byte-identical on export"
