#!/usr/bin/env bash
# snapshot_history.sh - snapshots taken while a fault is injected and repaired give the right outage episodes;
# overlapping runs never both write; a kill -9 mid-snapshot leaves the store as it was; bad stores are refused untouched.
. "$(dirname "$0")/common.sh" "$1"
# Dense variant: the episodes asserted below ("reached" x2, exit 0 when healthy) need every address
# to answer; the realistic lab has its own history tests.
lab_up --dense
STORE=$LAB_TMP/store/store.db
mkdir -p "$LAB_TMP/store" "$LAB_TMP/prom"
chown nobody "$LAB_TMP/prom"   # the metrics are written after the drop to 'nobody'
snap() { # [extra args]: one snapshot of the lab's /22; prints the exit status
  local rc=0
  pm snapshot --store "$STORE" --prom "$LAB_TMP/prom/pm.prom" --no-progress --quiet --rate 5000 --wait 0.5 \
    "$@" lab-starjv || rc=$?
  echo $rc
}
fail() { echo "FAIL: $*"; exit 1; }

# reached, reached, China Unicom withdraws twice, repaired
[ "$(snap)" = 0 ] || fail "healthy snapshot did not exit 0"
[ "$(snap)" = 0 ] || fail "healthy snapshot did not exit 0"
lab_fault withdraw cu2a
[ "$(snap)" = 1 ] || fail "snapshot with half the prefixes dead did not exit 1 (some died)"
[ "$(snap)" = 1 ] || fail "second outage snapshot did not exit 1"
lab_repair withdraw cu2a
[ "$(snap)" = 0 ] || fail "repaired snapshot did not exit 0"

"$BUILD/pathmortem" history --store "$STORE" --format json >"$LAB_TMP/history.json"
python3 - "$LAB_TMP/history.json" <<'PY'
import json, sys
eps = json.load(open(sys.argv[1]))['episodes']
def of(prefix):
    return [e for e in eps if e['prefix'] == prefix]
cu = of('198.19.176.0/24')
states = [(e['state'], e['snapshots'], (e.get('dies_in') or {}).get('asn')) for e in cu]
assert [s[:2] for s in states] == [('reached', 2), ('died', 2), ('reached', 1)], states
assert states[1][2] == 4837, f'the outage must be placed in AS4837, got {states[1]}'
assert cu[1]['start'] and cu[1]['end'] == cu[2]['start'] and cu[2]['end'] is None, cu
ru = of('198.19.177.0/24')
assert [(e['state'], e['snapshots']) for e in ru] == [('reached', 5)], ru
assert ru[0]['upstream']['asn'] == 20485, ru[0]
print(f'ok: 198.19.176.0/24 reached x2 -> died in AS4837 x2 -> reached; 198.19.177.0/24 reached x5 via AS20485')
PY
grep -q '^pathmortem_prefix_reachable{prefix="198.19.176.0/24"} 1$' "$LAB_TMP/prom/pm.prom" || fail "prometheus file"
"$BUILD/pathmortem" history --store "$STORE" --format svg >"$LAB_TMP/history.svg"
grep -q '</svg>' "$LAB_TMP/history.svg" || fail "history svg"
# the timeline as Chromium renders it (issue 15): a screenshot in build/screenshots/, nothing wider
# than a 1280 px window, and on the rendered page the title, every /24 and the outage's blame
. "$SRC/tests/golden/cli/shoot.sh"
if SHOT_OK=$( (shoot_init "$LAB_TMP") && echo yes); [ "$SHOT_OK" = yes ]; then
  shoot_init "$LAB_TMP"
  mkdir -p "$BUILD/screenshots"
  printf '<!doctype html><html><body style="margin:0">%s</body></html>\n' \
    "$(sed '1,/<svg/{/<svg/!d}' "$LAB_TMP/history.svg")" >"$LAB_TMP/timeline.html"
  shoot "$LAB_TMP/timeline.html" "$BUILD/screenshots/timeline.png"
  shot_check timeline "$BUILD/screenshots/timeline.png" || fail "timeline screenshot"
  for want in 'pathmortem history: reachability per /24 (5 snapshots)' 198.19.176.0/24 198.19.177.0/24 \
    198.19.178.0/24 198.19.179.0/24 'dead, blamed on CHINA UNICOM China169 Backbone (AS4837)'; do
    grep -qF -- ">$want<" "$SHOT_TMP/dom.html" || fail "timeline: '$want' is not on the rendered page"
  done
  # time labels (issue 15): the window's ends, and labelled ticks on the axis (seconds here: the
  # five snapshots span well under a minute)
  grep -qE '>from 20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC<' "$SHOT_TMP/dom.html" &&
    grep -qE '>to 20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} UTC<' "$SHOT_TMP/dom.html" ||
    fail "timeline: no time at the axis' ends on the rendered page"
  ticks=$(grep -oE '>([0-9]{2}:[0-9]{2}:[0-9]{2}|[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2})?)<' "$SHOT_TMP/dom.html" | wc -l)
  [ "$ticks" -ge 2 ] || fail "timeline: $ticks labelled ticks on the rendered page, want 2 or more"
  echo "ok: the timeline rendered by Chromium: $BUILD/screenshots/timeline.png, no element past 1280 px, /24s and blame on it"
else
  fail "no chromium for the timeline screenshot (scripts/bootstrap.sh installs it): $SHOT_OK"
fi

count() { "$BUILD/pathmortem" export --store "$STORE" | wc -l; }
before=$(count)
[ "$before" = 5 ] || fail "export shows $before snapshots, expected 5"

# overlapping runs: the second one exits 75 at once and writes nothing
pm snapshot --store "$STORE" --no-progress --quiet --rate 200 --wait 0.5 lab-starjv >/dev/null 2>&1 &
first=$!
sleep 1.5
set +e
out=$(pm snapshot --store "$STORE" --no-progress --quiet lab-starjv 2>&1); rc=$?
set -e
[ $rc -eq 75 ] || fail "overlapping snapshot exited $rc, expected 75 ($out)"
echo "ok: overlapping run refused: $out"
wait $first || [ $? -le 2 ] || fail "the first snapshot failed"
[ "$(count)" = 6 ] || fail "expected 6 snapshots after the overlap test"

# kill -9 in the middle of a snapshot: the store opens and holds exactly what it held
sum_before=$("$BUILD/pathmortem" export --store "$STORE" | sha256sum)
# $! is pathmortem itself (lab.sh and ip netns exec exec it): killed by its pid, never by name,
# so that no other run on the machine (other tests, other labs) is touched.
"$LAB_SH" exec "$LAB_PREFIX" vp "$BUILD/pathmortem" snapshot --asn-db "$LAB_TMP/lab-asn.mmdb" --store "$STORE" \
  --no-progress --quiet --rate 300 --wait 0.5 lab-starjv >/dev/null 2>&1 &
victim=$!
sleep 2
kill -9 "$victim" 2>/dev/null || true
wait "$victim" || true
sum_after=$("$BUILD/pathmortem" export --store "$STORE" | sha256sum)
[ "$sum_before" = "$sum_after" ] || fail "the store changed after a kill -9"
[ "$(snap)" = 0 ] || fail "snapshot after the kill failed"
[ "$(count)" = 7 ] || fail "expected 7 snapshots after the kill test"
echo "ok: kill -9 left the store as it was; the next snapshot is stored"

# a corrupt store and a foreign SQLite file are refused, with one line, untouched
head -c 4096 /dev/urandom >"$LAB_TMP/corrupt.db"
sqlite3 "$LAB_TMP/foreign.db" 'create table customers(id integer primary key, name text); insert into customers values (1, "x");'
for f in corrupt.db foreign.db; do
  sum=$(sha256sum <"$LAB_TMP/$f")
  set +e
  out=$("$BUILD/pathmortem" history --store "$LAB_TMP/$f" 2>&1); rc=$?
  set -e
  [ $rc -ne 0 ] && [ $rc -lt 128 ] || fail "$f: exit $rc"
  [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "$f: not one line: $out"
  [ "$sum" = "$(sha256sum <"$LAB_TMP/$f")" ] || fail "$f was modified"
  [ ! -e "$LAB_TMP/$f-wal" ] || fail "$f got a WAL file"
  echo "ok: $f refused: $out"
done
