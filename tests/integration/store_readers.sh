#!/usr/bin/env bash
# store_readers.sh - 1,000 history/export readers against 20 snapshots of a tiny lab target set: 0 failed snapshots, 0 false errors from the readers.
# usage: store_readers.sh BUILD_DIR   (root; exits 77 to be skipped otherwise)
. "$(dirname "$0")/common.sh"
lab_up
STORE=$LAB_TMP/readers/store.db
READERS=${PM_READERS:-1000}
SNAPS=${PM_SNAPSHOTS:-20}
: >"$LAB_TMP/reader.fail"

# two reader loops, history and export in turn, until READERS have run or the snapshots are done
reader_loop() {
  local i=0 rc
  while [ $i -lt $((READERS / 2)) ]; do
    if [ -e "$STORE" ]; then
      rc=0
      if [ $((i % 2)) -eq 0 ]; then
        "$BUILD/pathmortem" history --store "$STORE" --format json >/dev/null 2>>"$LAB_TMP/reader.err" || rc=$?
      else
        "$BUILD/pathmortem" export --store "$STORE" >/dev/null 2>>"$LAB_TMP/reader.err" || rc=$?
      fi
      [ $rc -eq 0 ] || echo "$1 $i exit $rc" >>"$LAB_TMP/reader.fail"
      i=$((i + 1))
    fi
    [ -e "$LAB_TMP/snaps.done" ] && [ $i -ge $((READERS / 2)) ] && break
  done
  echo $i >"$LAB_TMP/readers.$1"
}

pm snapshot --store "$STORE" --no-progress --quiet --rate 5000 --wait 0.3 198.19.176.1 >/dev/null 2>&1 || true
reader_loop a & ra=$!
reader_loop b & rb=$!
snap_fail=0
for n in $(seq 2 "$SNAPS"); do
  rc=0
  pm snapshot --store "$STORE" --no-progress --quiet --rate 5000 --wait 0.3 198.19.176.1 >/dev/null \
    2>>"$LAB_TMP/snap.err" || rc=$?
  [ $rc -le 3 ] || { snap_fail=$((snap_fail + 1)); echo "snapshot $n: exit $rc" >&2; }
done
touch "$LAB_TMP/snaps.done"
wait $ra $rb
stored=$("$BUILD/pathmortem" export --store "$STORE" 2>/dev/null | wc -l)
ran=$(($(cat "$LAB_TMP/readers.a") + $(cat "$LAB_TMP/readers.b")))
false_errors=$(wc -l <"$LAB_TMP/reader.fail")
echo "store_readers: $SNAPS snapshots ($stored stored, $snap_fail failed), $ran readers ($false_errors failed)"
[ -s "$LAB_TMP/reader.err" ] && sort "$LAB_TMP/reader.err" | uniq -c | sort -rn | head -3
[ -s "$LAB_TMP/snap.err" ] && sort "$LAB_TMP/snap.err" | uniq -c | sort -rn | head -3
[ "$snap_fail" -eq 0 ] && [ "$stored" -eq "$SNAPS" ] && [ "$false_errors" -eq 0 ] && [ "$ran" -ge "$READERS" ] || {
  echo "FAIL: readers broke the writer or reported false errors" >&2
  exit 1
}
echo "ok: 0 failed snapshots, 0 false reader errors"
