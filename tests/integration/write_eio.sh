#!/usr/bin/env bash
# write_eio.sh - a real I/O error (EIO, not a full disk) under the -w pcap, the -o document and the store, mid-run: one line, exit 74, the earlier good files and snapshots as they were.
# usage: write_eio.sh BUILD_DIR   (root; exits 77 to be skipped otherwise)
#
# The error comes from the kernel, not from a stub: each case gets its own
# ext4 file system on a loop device (a 32 MB sparse image), holding the
# earlier good run's files, synced. While the run under test is going (its
# temp file or its store's -wal is there), the file system is shut down with
# EXT4_IOC_SHUTDOWN, as xfstests simulate a dying disk: from then on every
# write to it fails with EIO. Afterwards it is unmounted and mounted again (the
# journal replays) and the earlier files are compared byte for byte. A file
# system is torn down after its case, and by the EXIT trap after a failure.
#
# The file systems are mounted in a private mount namespace of this script's
# own (the outer part brings the lab up and runs the rest there): a mount
# namespace someone else creates meanwhile (any `ip netns exec`) would
# otherwise take a copy of the mount and keep the broken file system alive.
if [ "${PM_EIO_INNER:-}" != 1 ]; then
  . "$(dirname "$0")/common.sh"
  for tool in mkfs.ext4 mount umount unshare findmnt; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }
  done
  lab_up
  rc=0
  PM_EIO_INNER=1 LAB_PREFIX=$LAB_PREFIX LAB_TMP=$LAB_TMP unshare -m --propagation private bash "$0" "$BUILD" || rc=$?
  exit $rc   # the EXIT trap tears the lab down
fi
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:?build directory}
LAB_SH=$SRC/tests/lab/lab.sh
pm() {
  "$LAB_SH" exec "$LAB_PREFIX" vp timeout 600 "$BUILD/pathmortem" "$1" --asn-db "$LAB_TMP/lab-asn.mmdb" \
    --geo-db "$LAB_TMP/lab-city.mmdb" "${@:2}"
}
T=$LAB_TMP
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
TARGETS=198.19.176.0/29
FAST=(--no-progress --rate 5000 --wait 0.5)
SLOW=(--no-progress --rate 300 --wait 0.5)   # a /24 at 300/s: about 2 s of probing to break it in

MNT= LOOP= IMG=
fs_down() {
  [ -n "$MNT" ] && mountpoint -q "$MNT" && { umount "$MNT" 2>/dev/null || umount -l "$MNT"; }
  MNT= LOOP=   # mount -o loop: the loop device goes with the mount
}
trap 'fs_down' EXIT
# fs_up NAME: a fresh ext4 on a loop device mounted at $T/NAME (MNT, LOOP)
fs_up() {
  fs_down
  IMG=$T/$1.img
  truncate -s 32M "$IMG"
  mkfs.ext4 -q -F "$IMG"
  MNT=$T/$1
  mkdir -p "$MNT"
  mount -t ext4 -o loop "$IMG" "$MNT"
  LOOP=$(findmnt -n -o SOURCE "$MNT")
  chmod 755 "$MNT"
}
# fs_break: every write from now on fails with EIO (EXT4_IOC_SHUTDOWN, flush the journal first)
fs_break() {
  python3 -c 'import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.ioctl(fd, 0x8004587d, struct.pack("I", 1))' "$MNT"
}
# fs_again: unmount the broken file system and mount its image again (journal replay)
# (the run's keeper, which outlives the writer to clean up after it, may hold the directory a moment
# longer, and the run's mount namespace (ip netns exec) its own copy of the mount until its last
# process ends: mounting before the file system is released would get the broken one back)
fs_again() {
  local i
  for i in $(seq 1 100); do umount "$MNT" 2>/dev/null && break; sleep 0.05; done
  mountpoint -q "$MNT" && { echo "FAIL: $MNT still busy 5 s after the run" >&2; exit 1; }
  for i in $(seq 1 300); do [ -e "/sys/fs/ext4/${LOOP#/dev/}" ] || break; sleep 0.05; done
  if [ -e "/sys/fs/ext4/${LOOP#/dev/}" ]; then
    echo "FAIL: ${LOOP} still in use 15 s after the run" >&2
    exit 1
  fi
  mount -t ext4 -o loop "$IMG" "$MNT"
  LOOP=$(findmnt -n -o SOURCE "$MNT")
}
# wait_for GLOB...: until a file matching one of the patterns exists (10 s at most)
wait_for() {
  local i f
  for i in $(seq 1 200); do
    for f in "$@"; do compgen -G "$f" >/dev/null && return 0; done
    sleep 0.05
  done
  return 1
}
# the_run PID: wait for it, note its exit status (rc) and stderr lines
the_run() { rc=0; wait "$1" || rc=$?; }

# 1. -w on the failing disk (the -o document elsewhere)
fs_up w
pm trace "${FAST[@]}" -w "$MNT/run.pcap" --format json -o "$MNT/run.json" $TARGETS >/dev/null 2>&1 || true
sync; gp=$(sha "$MNT/run.pcap"); gj=$(sha "$MNT/run.json")
pm trace "${SLOW[@]}" -w "$MNT/run.pcap" --format json -o "$T/w-doc.json" 198.19.176.0/24 2>"$T/w.err" &
pid=$!
wait_for "$MNT/.run.pcap.*.tmp" || fail "-w: the run's temp file never appeared"
fs_break
the_run $pid
fs_again
left=$(find "$MNT" -maxdepth 1 -name '.*.tmp' | wc -l)
if [ $rc -eq 74 ] && [ "$(wc -l <"$T/w.err")" -eq 1 ] && grep -qF "$MNT/run.pcap: cannot write the pcap file: Input/output error" "$T/w.err" &&
  [ "$(sha "$MNT/run.pcap")" = "$gp" ] && [ "$(sha "$MNT/run.json")" = "$gj" ] && [ ! -e "$T/w-doc.json" ]; then
  ok "-w on a disk failing mid-run (EIO): one line, exit 74, the earlier pcap and document byte for byte, no document written: $(cat "$T/w.err")"
else
  fail "-w with EIO: exit $rc, $(cat "$T/w.err"), pcap same=$([ "$(sha "$MNT/run.pcap")" = "$gp" ] && echo y || echo n), doc $(ls "$T/w-doc.json" 2>&1)"
fi
# the failing run could not remove its temp file (the disk refused that too): the next run does
rc=0; pm trace "${FAST[@]}" -w "$MNT/run.pcap" --format json -o /dev/null $TARGETS >/dev/null 2>"$T/w3.err" || rc=$?
after=$(find "$MNT" -maxdepth 1 -name '.*.tmp' | wc -l)
an=0; "$BUILD/pathmortem" analyze --format json "$MNT/run.pcap" >/dev/null 2>"$T/w3a.err" || an=$?
[ $rc -le 3 ] && [ "$after" -eq 0 ] && [ $an -le 3 ] &&
  ok "the next run onto the repaired disk: $left temp file(s) the EIO run could not remove, none after; its pcap analyzes" ||
  fail "next run after EIO: exit $rc, $after of $left temp files left, analyze $an: $(head -1 "$T/w3.err") $(head -1 "$T/w3a.err")"

# 2. -o on the failing disk (the pcap elsewhere): the document is written at the end, into the broken disk
fs_up o
pm trace "${FAST[@]}" --no-pcap --format json -o "$MNT/run.json" $TARGETS >/dev/null 2>&1 || true
sync; gj=$(sha "$MNT/run.json")
pm trace "${SLOW[@]}" -w "$T/o-run.pcap" --format json -o "$MNT/run.json" 198.19.176.0/24 2>"$T/o.err" &
pid=$!
wait_for "$MNT/.run.json.*.tmp" || fail "-o: the run's temp file never appeared"
fs_break
the_run $pid
fs_again
if [ $rc -eq 74 ] && [ "$(wc -l <"$T/o.err")" -eq 1 ] && grep -q 'Input/output error' "$T/o.err" &&
  [ "$(sha "$MNT/run.json")" = "$gj" ]; then
  ok "-o on a disk failing mid-run (EIO): one line, exit 74, the earlier document byte for byte: $(cat "$T/o.err")"
else
  fail "-o with EIO: exit $rc, $(cat "$T/o.err"), doc same=$([ "$(sha "$MNT/run.json")" = "$gj" ] && echo y || echo n)"
fi

# 3. the store on the failing disk: a snapshot that cannot commit, (a) its capture (kept in the
# store's directory) failing first, (b) with --no-pcap, SQLite's own writes
for mode in pcap nopcap; do
  fs_up "s-$mode"
  STORE=$MNT/pm/store.db
  extra=(); [ $mode = nopcap ] && extra=(--no-pcap)
  for i in 1 2; do
    rc=0; pm snapshot --user nobody --store "$STORE" --quiet "${FAST[@]}" "${extra[@]}" $TARGETS >/dev/null 2>"$T/s$i.err" || rc=$?
    [ $rc -le 3 ] || fail "snapshot $i before the failure: exit $rc: $(head -1 "$T/s$i.err")"
  done
  sync
  before=$("$BUILD/pathmortem" export --store "$STORE" 2>/dev/null | sha256sum)
  pm snapshot --user nobody --store "$STORE" --quiet "${SLOW[@]}" "${extra[@]}" 198.19.176.0/24 >/dev/null 2>"$T/s.err" &
  pid=$!
  wait_for "$STORE-wal" || fail "store ($mode): the writer never opened the store"
  fs_break
  the_run $pid
  fs_again
  n=$("$BUILD/pathmortem" export --store "$STORE" 2>/dev/null | wc -l)
  after=$("$BUILD/pathmortem" export --store "$STORE" 2>/dev/null | sha256sum)
  if [ $rc -eq 74 ] && [ "$(wc -l <"$T/s.err")" -eq 1 ] && grep -q 'Input/output error' "$T/s.err" && [ "$n" -eq 2 ] && [ "$after" = "$before" ]; then
    ok "the store on a disk failing mid-snapshot ($mode, EIO): one line, exit 74, the 2 earlier snapshots exported as before: $(cat "$T/s.err")"
  else
    fail "store ($mode) with EIO: exit $rc, $(cat "$T/s.err"), $n snapshots after (want 2), same export: $([ "$after" = "$before" ] && echo y || echo n)"
  fi
  rc=0; pm snapshot --user nobody --store "$STORE" --quiet "${FAST[@]}" "${extra[@]}" $TARGETS >/dev/null 2>"$T/s4.err" || rc=$?
  n=$("$BUILD/pathmortem" export --store "$STORE" 2>/dev/null | wc -l)
  [ $rc -le 3 ] && [ "$n" -eq 3 ] && ok "store ($mode): the next snapshot on the repaired disk is stored (3 in all)" ||
    fail "store ($mode): snapshot after EIO: exit $rc, $n snapshots: $(head -1 "$T/s4.err")"
done
fs_down

# 4. --prom on the failing disk (the store elsewhere): the snapshot is stored, the metrics file is not cut
fs_up p
chown nobody "$MNT"   # written after the drop
STORE=$T/p-store/store.db
pm snapshot --user nobody --store "$STORE" --prom "$MNT/pm.prom" --quiet "${FAST[@]}" $TARGETS >/dev/null 2>&1 || true
sync; gm=$(sha "$MNT/pm.prom")
pm snapshot --user nobody --store "$STORE" --prom "$MNT/pm.prom" --quiet "${SLOW[@]}" 198.19.176.0/24 >/dev/null 2>"$T/p.err" &
pid=$!
wait_for "$STORE-wal" || fail "--prom: the writer never opened the store"
fs_break
the_run $pid
fs_again
n=$( { "$BUILD/pathmortem" export --store "$STORE" 2>/dev/null || true; } | wc -l)
if [ $rc -eq 74 ] && [ "$(wc -l <"$T/p.err")" -eq 1 ] && grep -q 'Input/output error' "$T/p.err" &&
  [ "$(sha "$MNT/pm.prom")" = "$gm" ] && [ "$n" -eq 2 ]; then
  ok "--prom on a disk failing mid-snapshot (EIO): one line, exit 74, the earlier metrics byte for byte, the snapshot stored: $(cat "$T/p.err")"
else
  fail "--prom with EIO: exit $rc, $(cat "$T/p.err"), metrics same=$([ "$(sha "$MNT/pm.prom")" = "$gm" ] && echo y || echo n), $n snapshots (want 2)"
fi
fs_down

[ $fails -eq 0 ] || { echo "write_eio: $fails failure(s)" >&2; exit 1; }
echo "write_eio: all promises held"
