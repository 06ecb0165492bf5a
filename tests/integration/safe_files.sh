#!/usr/bin/env bash
# safe_files.sh - files pathmortem creates as root: no write through a planted link (the .capture-<PID> exploit, -w in a world-writable directory, the default name under a user's home, planted once the run reveals it), nothing of an earlier run lost (failed start, full disk, closed pipe, -o = -w), signals that stop a run leave whole files, fatal ones the earlier files and no temp, the contrib cron line works on a missing store directory, and the run is under the seccomp filter.
# usage: safe_files.sh BUILD_DIR   (root; exits 77 to be skipped otherwise)
. "$(dirname "$0")/common.sh"
lab_up
T=$LAB_TMP
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
TARGETS=198.19.176.0/29
FAST=(--no-progress --rate 5000 --wait 0.5)
sha() { sha256sum "$1" | cut -d' ' -f1; }

# 1. The measured exploit: links planted for the next PIDs in the pcap
# directory the drop user owns, aimed at a 0600 root file.
STORE=$T/var/lib/pathmortem/store.db
mkdir -p "$T/var/lib"
pm snapshot --user nobody --store "$STORE" --quiet "${FAST[@]}" $TARGETS >/dev/null 2>"$T/s1.err" ||
  [ $? -le 3 ] || fail "first snapshot: $(head -1 "$T/s1.err")"
printf 'root only\n' >"$T/victim"; chmod 600 "$T/victim"
before=$(sha "$T/victim")
next=$(($(cat /proc/sys/kernel/ns_last_pid) + 1))
for p in $(seq "$next" $((next + 400))); do
  setpriv --reuid=nobody --regid=nogroup --clear-groups ln -sf "$T/victim" "$T/var/lib/pathmortem/pcaps/.capture-$p.pcap" 2>/dev/null
done
chmod 755 "$T"
pm snapshot --user nobody --store "$STORE" --quiet "${FAST[@]}" $TARGETS >/dev/null 2>"$T/s2.err" ||
  [ $? -le 3 ] || fail "snapshot with planted links: $(head -1 "$T/s2.err")"
[ "$(sha "$T/victim")" = "$before" ] && ok "400 planted .capture links: the 0600 root file is untouched" ||
  fail "the root file was written through a planted link"
leftover=$(find "$T/var/lib/pathmortem" -user root | wc -l)
[ "$leftover" -eq 0 ] && ok "nothing root-owned in the store directory" || fail "$leftover root-owned files in the store directory"

# 2. -w and -o in a world-writable directory, a link planted at the name
mkdir -m 1777 "$T/pub"; chmod 1777 "$T/pub"
setpriv --reuid=nobody --regid=nogroup --clear-groups ln -s "$T/victim" "$T/pub/run.pcap"
rc=0; pm trace "${FAST[@]}" -w "$T/pub/run.pcap" -o "$T/pub/run.json" --format json $TARGETS 2>"$T/w.err" || rc=$?
[ $rc -eq 73 ] && grep -q "symbolic link" "$T/w.err" && [ "$(sha "$T/victim")" = "$before" ] &&
  ok "-w onto a planted link is refused (73), its target untouched" || fail "-w onto a planted link: exit $rc, $(head -1 "$T/w.err")"
[ ! -e "$T/pub/run.json" ] || fail "-o was created although the run was refused"
rc=0; pm trace "${FAST[@]}" -w "$T/pub/ok.pcap" -o "$T/pub/ok.json" --format json $TARGETS 2>"$T/w2.err" || rc=$?
[ $rc -le 3 ] && [ -s "$T/pub/ok.pcap" ] && [ "$(stat -c %U "$T/pub/ok.pcap")" = root ] &&
  ok "-w/-o into a sticky world-writable directory" || fail "-w into /tmp-like dir: exit $rc $(head -1 "$T/w2.err")"

# 3. The default pcap name (pathmortem-<UTC ms>Z-<pid>.pcap) under sudo from a user's home. The
# name cannot be guessed ahead, but the home's owner sees it as soon as the run's temp file appears
# there, seconds before the run puts it in place, and may do anything with names in its directory:
# (a) plant a link to the root file at the final name, (b) take the temp file away and leave a link
# in its place. Neither may make root write through a link. The attacker (plant_at_name.py, as the
# home's owner) must have acted, or the case fails.
mkdir "$T/home"; chown nobody:nogroup "$T/home"; chmod 755 "$T/home"
for mode in final swap; do
  rm -f "$T/home/.ready"
  setpriv --reuid=nobody --regid=nogroup --clear-groups \
    /usr/bin/python3 "$SRC/tests/integration/plant_at_name.py" "$T/home" "$T/victim" $mode "$T/home/.ready" >"$T/plant-$mode" 2>&1 &
  planter=$!
  for _ in $(seq 1 100); do [ -e "$T/home/.ready" ] && break; sleep 0.05; done
  rc=0; (cd "$T/home" && pm trace "${FAST[@]}" --wait 1 --format json -o /dev/null 198.19.176.0/28 >/dev/null 2>"$T/h-$mode.err") || rc=$?
  pw=0; wait "$planter" || pw=$?
  name=$(head -1 "$T/plant-$mode")
  untouched=no; [ "$(sha "$T/victim")" = "$before" ] && untouched=yes
  temps=$(find "$T/home" -name '.*.tmp' -type f | wc -l)
  if [ $pw -ne 0 ] || [ -z "$name" ]; then
    fail "default pcap name ($mode): the attacker never saw the run's temp file: $(cat "$T/plant-$mode")"
  elif [ $mode = final ]; then
    # the rename replaces the planted link itself: the pcap is there, the victim as it was
    if [ $untouched = yes ] && [ $rc -le 3 ] && [ -f "$T/home/$name" ] && [ ! -L "$T/home/$name" ] &&
      "$BUILD/pathmortem" analyze --format json "$T/home/$name" >/dev/null 2>&1; then
      ok "default pcap name in a user's home, link planted at $name during the run: replaced by the whole pcap, the root file untouched (exit $rc)"
    else
      fail "default name, link at the final name: victim untouched=$untouched, exit $rc, $(ls -la "$T/home/$name" 2>&1): $(head -1 "$T/h-$mode.err")"
    fi
  else
    # the temp file was swapped for a link: refused at the commit (74), nothing renamed into place
    if [ $untouched = yes ] && [ $rc -eq 74 ] && grep -q "replaced by someone else" "$T/h-$mode.err" &&
      [ "$(wc -l <"$T/h-$mode.err")" -eq 1 ] && [ ! -e "$T/home/$name" ] && [ ! -L "$T/home/$name" ]; then
      ok "default pcap name, temp file swapped for a link: refused at the commit (74, one line), the root file untouched"
    else
      fail "default name, swapped temp: victim untouched=$untouched, exit $rc: $(cat "$T/h-$mode.err"); $(ls -la "$T/home")"
    fi
  fi
  [ "$temps" -eq 0 ] || fail "default name ($mode): $temps temp files of root left in the home"
  rm -f "$T/home/"* "$T/home/".pathmortem* "$T/home/.ready" 2>/dev/null
done

# 4. Nothing of an earlier good run lost
pm trace "${FAST[@]}" -w "$T/good.pcap" -o "$T/good.json" --format json $TARGETS >/dev/null 2>&1 || true
gp=$(sha "$T/good.pcap"); gj=$(sha "$T/good.json")
rc=0; "$LAB_SH" exec "$LAB_PREFIX" vp "$BUILD/pathmortem" trace --asn-db /nonexistent.mmdb "${FAST[@]}" \
  -w "$T/good.pcap" -o "$T/good.json" $TARGETS 2>/dev/null || rc=$?
[ $rc -eq 65 ] && [ "$(sha "$T/good.pcap")" = "$gp" ] && [ "$(sha "$T/good.json")" = "$gj" ] &&
  ok "a run failing at start (missing --asn-db, 65) leaves the earlier -o and -w as they were" ||
  fail "missing --asn-db: exit $rc or earlier files changed"
rc=0; pm trace "${FAST[@]}" -w "$T/good.json" -o "$T/good.json" $TARGETS 2>/dev/null || rc=$?
[ $rc -eq 64 ] && [ "$(sha "$T/good.json")" = "$gj" ] && ok "-o and -w naming one file: refused (64)" || fail "-o = -w: exit $rc"
mkdir "$T/full"; mount -t tmpfs -o size=12k tmpfs "$T/full"
cp "$T/good.json" "$T/full/old.json" 2>/dev/null || head -c 4000 "$T/good.json" >"$T/full/old.json"
oj=$(sha "$T/full/old.json")
rc=0; pm trace "${FAST[@]}" -w "$T/full/run.pcap" -o "$T/full/old.json" --format json 198.19.176.0/26 2>"$T/full.err" || rc=$?
[ $rc -eq 74 ] && [ "$(wc -l <"$T/full.err")" -eq 1 ] && [ "$(sha "$T/full/old.json")" = "$oj" ] &&
  [ ! -e "$T/full/run.pcap" ] && [ "$(find "$T/full" -name '.*' -type f | wc -l)" -eq 0 ] &&
  ok "a full disk (12 KB tmpfs): one line, exit 74, the earlier -o untouched, no cut pcap: $(cat "$T/full.err")" ||
  fail "ENOSPC: exit $rc, $(cat "$T/full.err"), files: $(ls -A "$T/full")"
umount "$T/full"
rc=0; pm trace "${FAST[@]}" --no-pcap -o /dev/full $TARGETS 2>"$T/devfull.err" || rc=$?
[ $rc -eq 74 ] && ok "-o /dev/full: exit 74 ($(head -1 "$T/devfull.err"))" || fail "-o /dev/full: exit $rc"
set +o pipefail
# the reader is gone before the run writes its document: the write gets EPIPE
pm trace "${FAST[@]}" --no-pcap --verbose $TARGETS 2>"$T/pipe.err" | true
rc=${PIPESTATUS[0]}
set -o pipefail
[ "$rc" -eq 74 ] && ok "stdout closed early (EPIPE): exit 74" || fail "EPIPE: exit $rc, $(head -1 "$T/pipe.err")"

# 5. Signals: SIGINT, SIGHUP, SIGTERM stop a run and leave whole files; SIGUSR1/SIGALRM/SIGPIPE do not cut it
for sig in INT HUP TERM USR1 ALRM PIPE; do
  # lab.sh execs `ip netns exec`, which execs pathmortem: $! is pathmortem itself
  "$LAB_SH" exec "$LAB_PREFIX" vp "$BUILD/pathmortem" trace --asn-db "$LAB_TMP/lab-asn.mmdb" --no-progress \
    --rate 300 --wait 0.5 -w "$T/sig-$sig.pcap" -o "$T/sig-$sig.json" --format json 198.19.176.0/24 \
    2>"$T/sig-$sig.err" &
  pid=$!
  sleep 1.5
  kill -"$sig" "$pid" 2>/dev/null
  rc=0; wait "$pid" || rc=$?
  valid=no
  python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$T/sig-$sig.json" 2>/dev/null && valid=yes
  an=0; "$BUILD/pathmortem" analyze --format json "$T/sig-$sig.pcap" >/dev/null 2>&1 || an=$?
  case $sig in
    INT|HUP|TERM) want="3" ;;
    *) want="0 1 2" ;;
  esac
  if [[ " $want " == *" $rc "* ]] && [ $valid = yes ] && [ $an -le 3 ]; then
    ok "SIG$sig: exit $rc, the JSON parses and the pcap analyzes"
  else
    fail "SIG$sig: exit $rc (want $want), json $valid, analyze $an: $(head -1 "$T/sig-$sig.err")"
  fi
done

# 5b. Fatal signals (no handler can run): the earlier -o and -w stay byte for byte, and the keeper,
# which outlives the writer, removes the temp files; nothing cut is left under any name
pm trace "${FAST[@]}" -w "$T/fatal.pcap" -o "$T/fatal.json" --format json $TARGETS >/dev/null 2>&1 || true
fp=$(sha "$T/fatal.pcap"); fj=$(sha "$T/fatal.json")
# (a background job of a script starts with SIGQUIT ignored: the exec wrapper gives it back its default)
for sig in KILL QUIT SEGV ABRT; do
  "$LAB_SH" exec "$LAB_PREFIX" vp python3 -c 'import os, signal, sys
signal.signal(signal.SIGQUIT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$BUILD/pathmortem" trace --asn-db "$LAB_TMP/lab-asn.mmdb" --no-progress \
    --rate 300 --wait 0.5 -w "$T/fatal.pcap" -o "$T/fatal.json" --format json 198.19.176.0/24 2>"$T/fatal-$sig.err" &
  pid=$!
  for _ in $(seq 1 100); do compgen -G "$T/.fatal.pcap.*.tmp" >/dev/null && break; sleep 0.05; done
  sleep 0.5
  kill -"$sig" "$pid" 2>/dev/null
  rc=0; wait "$pid" || rc=$?
  temps=1
  for _ in $(seq 1 100); do   # the keeper sees the writer's end of the socket close
    temps=$(find "$T" -maxdepth 1 -name '.fatal.*.tmp' | wc -l); [ "$temps" -eq 0 ] && break; sleep 0.05
  done
  if [ $rc -ge 128 ] && [ "$(sha "$T/fatal.pcap")" = "$fp" ] && [ "$(sha "$T/fatal.json")" = "$fj" ] && [ "$temps" -eq 0 ]; then
    ok "SIG$sig mid-run (exit $rc): the earlier -o and -w byte for byte, no temp file left"
  else
    fail "SIG$sig: exit $rc, pcap same=$([ "$(sha "$T/fatal.pcap")" = "$fp" ] && echo y || echo n), json same=$([ "$(sha "$T/fatal.json")" = "$fj" ] && echo y || echo n), $temps temp files left"
  fi
done

# 6. The contrib cron line on a missing /var/lib/pathmortem-like directory
# (user nobody for 'pathmortem', the lab preset for starjv, paths under $T)
cron=$(grep -o '/usr/bin/pathmortem snapshot.*starjv' "$SRC/contrib/pathmortem.cron")
[ -n "$cron" ] || fail "no snapshot line in contrib/pathmortem.cron"
mkdir -p "$T/cron/var/lib/prometheus/node-exporter"; chown nobody "$T/cron/var/lib/prometheus/node-exporter"
args=${cron#/usr/bin/pathmortem }
args=${args//--user pathmortem/--user nobody}
args=${args//\/var\/lib/$T/cron/var/lib}
args=${args% starjv}
for run in 1 2; do
  rc=0
  # shellcheck disable=SC2086 # the contrib line's words
  pm $args --rate 5000 --wait 0.5 lab-starjv >/dev/null 2>"$T/cron.err" || rc=$?
  [ $rc -le 3 ] || fail "contrib cron line, run $run: exit $rc: $(head -1 "$T/cron.err")"
done
n=$("$BUILD/pathmortem" export --store "$T/cron/var/lib/pathmortem/store.db" 2>/dev/null | wc -l)
owner=$(stat -c %U:%a "$T/cron/var/lib/pathmortem")
[ "$n" -eq 2 ] && [ "$owner" = nobody:750 ] && [ "$(find "$T/cron/var/lib/pathmortem" -user root | wc -l)" -eq 0 ] &&
  [ -s "$T/cron/var/lib/prometheus/node-exporter/pathmortem.prom" ] &&
  ok "the contrib cron line: 2 snapshots stored, directory $owner, nothing root-owned left, metrics written" ||
  fail "contrib cron line: $n snapshots, directory $owner"

# 7. The sweep runs under the seccomp filter
"$LAB_SH" exec "$LAB_PREFIX" vp "$BUILD/pathmortem" trace --asn-db "$LAB_TMP/lab-asn.mmdb" --no-progress \
  --rate 200 --no-pcap --format json 198.19.176.0/24 >/dev/null 2>&1 &
pid=$!
seen=
for _ in $(seq 1 50); do
  st=$(awk '$1 == "Seccomp:" { s = $2 } $1 == "Uid:" { u = $2 } END { print u ":" s }' "/proc/$pid/status" 2>/dev/null)
  [ "$st" = "$(id -u nobody):2" ] && { seen=yes; break; }
  sleep 0.1
done
kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
[ "$seen" = yes ] && ok "the running sweep shows Seccomp: 2 (filter mode)" || fail "no running pathmortem under a seccomp filter"

[ $fails -eq 0 ] || { echo "safe_files: $fails failure(s)" >&2; exit 1; }
echo "safe_files: all promises held"
