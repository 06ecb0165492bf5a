#!/usr/bin/env bash
# pg_capture.sh - a vantage whose PostgreSQL store sits on the probing interface (TCP, a cleartext password): its snapshot's capture, kept inside the store, holds no packet of that connection and the password nowhere, while a capture taken beside the same traffic does.
. "$(dirname "$0")/common.sh" "$1"
. "$SRC/tests/pg/pg.sh"
lab_up --dense
trap 'pg_stop; lab_cleanup' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The server, moved into the access router's namespace and listening on its
# address toward vp (198.18.0.1): vp reaches it through the interface it
# probes on. Passwords travel in clear ("password" method), so a captured
# connection would show it.
pg_start
pg_psql postgres -c "CREATE DATABASE fleet"
"$BUILD/pathmortem" store init --store "$PG_ADMIN dbname=fleet" >/dev/null
SECRET=pm-cleartext-4711
pg_psql fleet <<SQL
CREATE ROLE pm_writer LOGIN PASSWORD '$SECRET';
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO pm_writer;
GRANT USAGE ON SEQUENCE snapshots_id_seq TO pm_writer;
GRANT EXECUTE ON FUNCTION pathmortem_retain_pcaps, pathmortem_retain_hops TO pm_writer;
SQL
echo "host all all 198.18.0.0/15 password" >>"$PG_DIR/data/pg_hba.conf"
pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
ip netns exec "$LAB_PREFIX-acc" runuser -u "$PG_USER" -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
  -w -t 30 -o "-c listen_addresses=198.18.0.1 -k $PG_SOCK -p $PG_PORT" start >/dev/null || fail "server in acc did not start"
PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid")
# the password file of the user pathmortem drops to (libpq wants it 0600, its own)
PASS=$LAB_TMP/pgpass
echo "198.18.0.1:$PG_PORT:fleet:pm_writer:$SECRET" >"$PASS"
chown nobody "$PASS" && chmod 600 "$PASS"
STORE="host=198.18.0.1 port=$PG_PORT user=pm_writer dbname=fleet"
vp() { ip netns exec "$LAB_PREFIX-vp" env PGPASSFILE="$PASS" "$@"; }

# Control: the same kind of connection made beside a plain trace is in the
# trace's capture, password and all (the filter takes TCP from the probing
# address): the test below would see it.
cp "$PASS" "$LAB_TMP/pgpass.root" && chmod 600 "$LAB_TMP/pgpass.root"
( for _ in $(seq 1 40); do
    ip netns exec "$LAB_PREFIX-vp" env PGPASSFILE="$LAB_TMP/pgpass.root" psql -X -q "$STORE" -c "SELECT 1" >/dev/null 2>&1
    sleep 0.1
  done ) &
talker=$!
vp "$BUILD/pathmortem" trace --asn-db "$LAB_TMP/lab-asn.mmdb" --method tcp --no-progress --rate 2000 --wait 1 \
  -w "$LAB_TMP/control.pcap" -o "$LAB_TMP/control.txt" lab-starjv || [ $? -le 2 ] || fail "control trace"
wait "$talker"
ctl=$(tcpdump -nr "$LAB_TMP/control.pcap" "tcp port $PG_PORT" 2>/dev/null | wc -l)
[ "$ctl" -gt 0 ] || fail "control: the trace's capture shows no packet of the server connection ($ctl)"
grep -aq "$SECRET" "$LAB_TMP/control.pcap" || fail "control: the cleartext password is not in the trace's capture"
echo "ok: control: $ctl packets of a connection beside a trace are in its capture, the password with them"

# The snapshot: its own connection (handshake, password, the history it
# reads, the spool) is made after the capture opened, on the same
# interface; TCP probes, so the matcher sees TCP answers too.
rc=0
vp "$BUILD/pathmortem" snapshot --asn-db "$LAB_TMP/lab-asn.mmdb" --store "$STORE" --vantage cap1 \
  --spool "$LAB_TMP/spool" --method tcp --pcap-to-store --no-progress --quiet --rate 2000 --wait 1 lab-starjv \
  >"$LAB_TMP/snap.log" 2>&1 || rc=$?
[ $rc -le 2 ] || { cat "$LAB_TMP/snap.log"; fail "snapshot exited $rc"; }
! grep -q "$SECRET" "$LAB_TMP/snap.log" || fail "the log shows the password"
# the capture is in the database, not a file on the vantage
[ -z "$(ls "$LAB_TMP"/spool/pcaps/*.pcap.gz 2>/dev/null)" ] || fail "a pcap file was written with --pcap-to-store"
[ "$(pg_psql fleet -At -c "SELECT pcap_path FROM snapshots WHERE vantage = 'cap1'")" = "store:" ] ||
  fail "the snapshot's pcap path is not store:"
"$BUILD/pathmortem" store pcap --store "$PG_ADMIN dbname=fleet" --vantage cap1 -o "$LAB_TMP/snap.pcap.gz" latest ||
  fail "store pcap"
zcat "$LAB_TMP/snap.pcap.gz" >"$LAB_TMP/snap.pcap" || fail "the stored capture is not gzip"
probes=$(tcpdump -nr "$LAB_TMP/snap.pcap" 2>/dev/null | wc -l)
db=$(tcpdump -nr "$LAB_TMP/snap.pcap" "tcp port $PG_PORT" 2>/dev/null | wc -l)
[ "$probes" -gt 100 ] || fail "the stored capture holds only $probes packets"
[ "$db" = 0 ] || fail "the stored capture holds $db packets of the store's connection"
! grep -aq "$SECRET" "$LAB_TMP/snap.pcap" || fail "the password is in the stored capture"
# and the matcher took none of it for an answer: nothing foreign refused
"$BUILD/pathmortem" export --store "$PG_ADMIN dbname=fleet" --vantage cap1 2>/dev/null | python3 -c '
import json, sys
s = json.loads(sys.stdin.readline())
st = s["params"]["stats"]
assert s["pcap"]["path"] == "store:", s["pcap"]
assert st.get("rejected_foreign", 0) == 0, st
print("ok: stats", {k: st[k] for k in ("probes_sent", "replies", "rejected_foreign") if k in st})
' || fail "the run's counters"
# a changed byte in the database: refused, nothing written
pg_psql fleet -c "UPDATE pcaps SET data = overlay(data placing '\\x00'::bytea from 30)"
rc=0
"$BUILD/pathmortem" store pcap --store "$PG_ADMIN dbname=fleet" -o "$LAB_TMP/bad.pcap.gz" 2>"$LAB_TMP/bad.err" || rc=$?
[ $rc = 65 ] && [ ! -e "$LAB_TMP/bad.pcap.gz" ] && grep -q sha256 "$LAB_TMP/bad.err" ||
  fail "a tampered capture: exit $rc, $(cat "$LAB_TMP/bad.err")"
echo "ok: snapshot over TCP on the probing interface: $probes packets stored in the database, none of the store's connection, no password"
