#!/usr/bin/env bash
# test_priv_drop.sh - shows from /proc/PID/status that a running `pathmortem trace` has dropped root (to nobody) or, started with only CAP_NET_RAW, every capability; and that without either it stops with one clear line.
# usage: test_priv_drop.sh [PATHMORTEM]   (root; exits 77 to be skipped otherwise)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require_root

BIN=$(readlink -f "${1:-${PATHMORTEM:-build/pathmortem}}")
[ -x "$BIN" ] || { echo "FAIL: no pathmortem binary at $BIN" >&2; exit 1; }
command -v setcap >/dev/null || { echo "FAIL: setcap missing (libcap2-bin; scripts/bootstrap.sh)" >&2; exit 1; }

lab_up
lab_geo
lab_tmpdir
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
# A /22 at 100 probes/s outlives the sampling below; --timeout bounds it at 10 s.
SWEEP=(trace -r 100 --timeout 10 --format json --asn-db "$LAB_ASN_DB" --no-pcap)
TARGET=198.19.176.0/22
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$2"; }

# wait_dropped PID: until PID runs pathmortem and has left uid 0 and its
# capabilities behind (the drop follows opening the socket and capture).
# Copies the status seen then to $LAB_TMP/status.PID.
wait_dropped() {
  local pid=$1 i
  for i in $(seq 1 100); do
    if [ -r "/proc/$pid/status" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pathmortem ]; then
      cp "/proc/$pid/status" "$LAB_TMP/status.$pid" 2>/dev/null || true
      if [ -s "$LAB_TMP/status.$pid" ] && [ "$(field NoNewPrivs "$LAB_TMP/status.$pid")" = 1 ]; then
        return 0
      fi
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# check_status WHAT FILE UID GID BOUNDING: the fields a dropped process shows.
check_status() {
  local what=$1 f=$2 uid=$3 gid=$4 bnd=$5 v
  v=$(field Uid "$f"); [ "$v" = "$uid $uid $uid $uid" ] || fail "$what: Uid is '$v', want $uid x4"
  v=$(field Gid "$f"); [ "$v" = "$gid $gid $gid $gid" ] || fail "$what: Gid is '$v', want $gid x4"
  v=$(field Groups "$f"); [ -z "$v" ] || [ "$v" = "$gid" ] || [ "$v" = "$gid " ] || fail "$what: supplementary groups '$v' kept"
  for c in CapInh CapPrm CapEff CapAmb; do
    v=$(field $c "$f"); [ "$v" = 0000000000000000 ] || fail "$what: $c is $v, want 0"
  done
  if [ "$bnd" = empty ]; then
    v=$(field CapBnd "$f"); [ "$v" = 0000000000000000 ] || fail "$what: CapBnd is $v, want 0"
  fi
  v=$(field NoNewPrivs "$f"); [ "$v" = 1 ] || fail "$what: NoNewPrivs is '$v', want 1"
}

# check_threads WHAT PID UID GID BOUNDING: the sweep's sending thread
# (pm-send, src/probe/sendq.c) is started after the drop and the seccomp
# filter, so it shows what the main thread shows, and the filter (Seccomp 2).
# Capabilities are per thread on Linux: a thread started before the drop
# would keep them.
check_threads() {
  local what=$1 pid=$2 t i found=''
  for i in $(seq 1 50); do
    for t in /proc/"$pid"/task/*; do
      [ "$(cat "$t/comm" 2>/dev/null)" = pm-send ] && found=$t
    done
    [ -z "$found" ] || break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$found" ] || { fail "$what: no sending thread (pm-send) seen in /proc/$pid/task"; return; }
  for t in /proc/"$pid"/task/*; do
    cp "$t/status" "$LAB_TMP/tstatus" 2>/dev/null || continue
    check_status "$what thread $(basename "$t") ($(cat "$t/comm" 2>/dev/null))" "$LAB_TMP/tstatus" "$3" "$4" "$5"
    local v
    v=$(field Seccomp "$LAB_TMP/tstatus")
    [ "$v" = 2 ] || fail "$what thread $(basename "$t"): Seccomp is '$v', want 2 (filter)"
  done
  echo "$what: $(ls /proc/"$pid"/task | wc -l) threads, each dropped and filtered"
}

# run_case WHAT UID GID BOUNDING CMD...: starts the sweep in vp, samples it, checks it finished well.
run_case() {
  local what=$1 uid=$2 gid=$3 bnd=$4 pid rc
  shift 4
  # lab.sh execs `ip netns exec`, which execs the command: $! ends up being pathmortem
  "$LAB_SH" exec "$LAB_PREFIX" vp "$@" >"$LAB_TMP/$what.json" 2>"$LAB_TMP/$what.err" &
  pid=$!
  if wait_dropped "$pid"; then
    check_status "$what" "$LAB_TMP/status.$pid" "$uid" "$gid" "$bnd"
    echo "$what: pid $pid running as uid $(field Uid "$LAB_TMP/status.$pid" | cut -d" " -f1), CapEff $(field CapEff "$LAB_TMP/status.$pid"), NoNewPrivs $(field NoNewPrivs "$LAB_TMP/status.$pid")"
    check_threads "$what" "$pid" "$uid" "$gid" "$bnd"
    # still sweeping after the drop?
    sleep 0.5
    kill -0 "$pid" 2>/dev/null || fail "$what: the sweep ended before it could be observed twice"
  else
    fail "$what: never saw pathmortem running with privileges dropped ($(head -1 "$LAB_TMP/$what.err"))"
  fi
  set +e
  wait "$pid"
  rc=$?
  set -e
  # 3: --timeout cut the sweep short (it is meant to: the drop is observed while it runs)
  case $rc in 0|1|2|3) ;; *) fail "$what: exit $rc: $(head -1 "$LAB_TMP/$what.err")" ;; esac
  python3 - "$LAB_TMP/$what.json" "$what" <<'PY' || fail "$what: the sweep found nothing after dropping privileges"
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except ValueError as e:
    print("%s: output is not JSON: %s" % (sys.argv[2], e))
    sys.exit(1)
hops = sum(1 for t in d["targets"] for h in t["hops"] if h["replies"])
print("%s: %d targets, %d answering hops, %d replies matched" % (sys.argv[2], len(d["targets"]), hops, d["run"]["stats"]["replies_matched"]))
sys.exit(0 if hops > 0 else 1)
PY
}

# 1. Started as root: drops to nobody (the default) and empties the bounding set.
run_case root "$NOBODY_UID" "$NOBODY_GID" empty "$BIN" "${SWEEP[@]}" "$TARGET"

# 2. As root with --user daemon, when that account exists.
if id daemon >/dev/null 2>&1; then
  run_case user-daemon "$(id -u daemon)" "$(id -g daemon)" empty "$BIN" "${SWEEP[@]}" --user daemon "$TARGET"
fi

# 3. Only CAP_NET_RAW (file capability), started as nobody: no setuid, caps cleared.
capdir="$LAB_TMP/capbin"
mkdir -m 755 "$capdir"
cp "$BIN" "$capdir/pathmortem"
chmod 755 "$capdir/pathmortem"
setcap cap_net_raw+ep "$capdir/pathmortem"
run_case cap-net-raw "$NOBODY_UID" "$NOBODY_GID" any \
  setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups --inh-caps=-all \
  "$capdir/pathmortem" "${SWEEP[@]}" "$TARGET"

# 4. Neither root nor CAP_NET_RAW: one clear line and a non-zero exit, nothing sent.
set +e
lab_exec vp setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups --inh-caps=-all \
  "$BIN" "${SWEEP[@]}" "$TARGET" >"$LAB_TMP/noperm.out" 2>"$LAB_TMP/noperm.err"
rc=$?
set -e
lines=$(wc -l <"$LAB_TMP/noperm.err")
msg=$(head -1 "$LAB_TMP/noperm.err")
if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ] || [ "$lines" -ne 1 ] || [[ "$msg" != *"needs root or CAP_NET_RAW"* ]]; then
  fail "unprivileged run: exit $rc, $lines line(s): $msg"
else
  echo "unprivileged: exit $rc: $msg"
fi

# 5. A failed drop aborts the run before anything is sent: unknown --user.
set +e
lab_exec vp "$BIN" "${SWEEP[@]}" --user no-such-user-pm "$TARGET" >"$LAB_TMP/baduser.out" 2>"$LAB_TMP/baduser.err"
rc=$?
set -e
msg=$(head -1 "$LAB_TMP/baduser.err")
if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ] || [ "$(wc -l <"$LAB_TMP/baduser.err")" -ne 1 ] ||
   [[ "$msg" != *"unknown user 'no-such-user-pm'"* ]] || [ -s "$LAB_TMP/baduser.out" ]; then
  fail "--user no-such-user-pm: exit $rc: $msg"
else
  echo "bad --user: exit $rc: $msg"
fi

if [ $fails -ne 0 ]; then
  echo "test_priv_drop: $fails failure(s)" >&2
  exit 1
fi
echo "test_priv_drop: ok"
