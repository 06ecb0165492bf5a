#!/usr/bin/env bash
# systemd_unit.sh - the contrib systemd units: systemd-analyze verify finds nothing to say, the timer fires every ten minutes, and the service's ExecStart, run as systemd would (the sysusers user, the StateDirectory it makes, ambient CAP_NET_RAW only, no_new_privs, UMask), stores snapshots with exit statuses the unit counts as success, also when stopped (SIGTERM to every process of the unit): a partial snapshot, not a failed unit.
# usage: systemd_unit.sh BUILD_DIR   (root; exits 77 to be skipped otherwise)
#
# No systemd runs here, so the unit's settings are applied by hand, each read
# from the unit file (a setting the script does not know fails the test):
# User/Group from contrib/pathmortem.sysusers.conf (systemd-sysusers into a
# private root), StateDirectory= made with StateDirectoryMode= for that user,
# AmbientCapabilities=/CapabilityBoundingSet=/NoNewPrivileges= through
# setpriv, UMask= and Environment= in the shell that execs ExecStart=, the
# unit's processes in one process group, stopped as KillMode=control-group
# does (SIGTERM to each). /var/lib becomes $T/var/lib and starjv the lab's
# preset, as in lab.safe_files's cron case.
. "$(dirname "$0")/common.sh"
for tool in systemd-analyze systemd-sysusers setpriv setsid; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool missing (scripts/bootstrap.sh installs it)" >&2; exit 1; }
done
T=$LAB_TMP
BUILD=$(cd "$BUILD" && pwd)
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
UNIT=$SRC/contrib/pathmortem-snapshot.service
TIMER=$SRC/contrib/pathmortem-snapshot.timer

# 1. systemd-analyze verify: it exits 0 on unknown keys, so any word it prints fails too
mkdir "$T/units"
for f in "$UNIT" "$TIMER"; do sed "s#/usr/bin/pathmortem#$BUILD/pathmortem#g" "$f" >"$T/units/$(basename "$f")"; done
rc=0; systemd-analyze verify --man=no "$T/units/pathmortem-snapshot.service" "$T/units/pathmortem-snapshot.timer" \
  >"$T/verify.out" 2>&1 || rc=$?
[ $rc -eq 0 ] && [ ! -s "$T/verify.out" ] && ok "systemd-analyze verify: service and timer clean" ||
  fail "systemd-analyze verify (exit $rc): $(head -3 "$T/verify.out")"

# 2. the timer: every ten minutes
cal=$(sed -n 's/^OnCalendar=//p' "$TIMER")
mapfile -t epochs < <(systemd-analyze calendar --iterations=4 "$cal" 2>/dev/null | grep -oE '[A-Z][a-z]{2} [0-9-]+ [0-9:]+ UTC' |
  while read -r _ d t z; do date -u -d "$d $t $z" +%s; done | sort -un)
steps=$(for ((i = 1; i < ${#epochs[@]}; i++)); do echo $((epochs[i] - epochs[i - 1])); done | sort -u | tr '\n' ' ')
[ "${#epochs[@]}" -ge 3 ] && [ "$steps" = "600 " ] && ok "timer OnCalendar=$cal: elapses every 600 s" ||
  fail "timer OnCalendar=$cal: steps '$steps' from ${#epochs[@]} elapses"

# 3. the service's settings, read from the unit
val() { sed -n "s/^$1=//p" "$UNIT" | tail -1; }
user=$(val User); group=$(val Group); state=$(val StateDirectory); smode=$(val StateDirectoryMode)
umask_=$(val UMask); ambient=$(val AmbientCapabilities); bounding=$(val CapabilityBoundingSet)
nnp=$(val NoNewPrivileges); success=$(val SuccessExitStatus); killmode=$(val KillMode)
env=$(val Environment)
exec_line=$(awk '/^ExecStart=/ { on = 1 } on { l = $0; more = sub(/\\$/, "", l); printf "%s ", l; if (!more) on = 0 }' "$UNIT" |
  sed 's/^ExecStart=//; s/  */ /g; s/ $//')
[ "$ambient" = CAP_NET_RAW ] && [ "$bounding" = CAP_NET_RAW ] && [ "$nnp" = yes ] && [ -n "$user" ] &&
  [ -n "$state" ] && [ -z "$killmode" ] || fail "unit settings this script does not apply: ambient=$ambient bounding=$bounding NoNewPrivileges=$nnp KillMode=$killmode"
mkdir -p "$T/sysroot/etc"
systemd-sysusers --root="$T/sysroot" "$SRC/contrib/pathmortem.sysusers.conf" >/dev/null 2>&1 ||
  fail "systemd-sysusers refused contrib/pathmortem.sysusers.conf"
uid=$(awk -F: -v u="$user" '$1 == u { print $3 }' "$T/sysroot/etc/passwd")
gid=$(awk -F: -v g="$group" '$1 == g { print $3 }' "$T/sysroot/etc/group")
home=$(awk -F: -v u="$user" '$1 == u { print $6 }' "$T/sysroot/etc/passwd")
[ -n "$uid" ] && [ -n "$gid" ] && [ "$uid" -ne 0 ] && ok "sysusers makes $user:$group ($uid:$gid), home $home" ||
  fail "sysusers: no user '$user' / group '$group' in $(cat "$T/sysroot/etc/passwd")"
[ "$home" = "/var/lib/$state" ] || fail "the user's home $home is not the StateDirectory /var/lib/$state"
# StateDirectory=: systemd makes /var/lib/NAME, mode StateDirectoryMode, owned by User:Group
mkdir -p "$T/var/lib/$state" "$T/var/lib/prometheus/node-exporter"
chown "$uid:$gid" "$T/var/lib/$state" "$T/var/lib/prometheus/node-exporter"
chmod "${smode:-0755}" "$T/var/lib/$state"
chmod 755 "$T" "$T/var" "$T/var/lib"
cmd=${exec_line//\/var\/lib/$T/var/lib}
[[ "$cmd" == /usr/bin/pathmortem\ snapshot\ *\ starjv ]] || fail "ExecStart is not a snapshot of starjv: $exec_line"
args=${cmd#/usr/bin/pathmortem snapshot }
args=${args% starjv}
env=${env//\/var\/lib/$T/var/lib}
caps=${ambient,,}; caps=${caps#cap_}
lab_up
# unit_run EXTRA...: ExecStart as systemd would start it, in the background, its own process group; sets pid
unit_run() {
  # shellcheck disable=SC2086 # the unit's words
  "$LAB_SH" exec "$LAB_PREFIX" vp setsid env -i PATH=/usr/bin:/bin $env \
    sh -c 'umask "$0"; exec "$@"' "${umask_:-0022}" \
    setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all,+"$caps" --ambient-caps=-all,+"$caps" \
    --bounding-set=-all,+"$caps" --no-new-privs \
    "$BUILD/pathmortem" snapshot --asn-db "$LAB_TMP/lab-asn.mmdb" --geo-db "$LAB_TMP/lab-city.mmdb" $args "$@" \
    >"$T/unit.out" 2>"$T/unit.err" &
  pid=$!
}
succeeds() { [ "$1" -eq 0 ] || [[ " $success " == *" $1 "* ]]; }
STORE=$T/var/lib/$state/store.db

for run in 1 2; do
  unit_run --rate 5000 --wait 0.5 lab-starjv
  rc=0; wait "$pid" || rc=$?
  succeeds $rc && ok "run $run: exit $rc, a success for the unit (SuccessExitStatus=$success)" ||
    fail "run $run: exit $rc, the unit fails: $(head -1 "$T/unit.err")"
done
# read the store as its user would (sudo -u pathmortem): this machine's passwd has no such user to drop to
export_() { setpriv --reuid="$uid" --regid="$gid" --clear-groups "$BUILD/pathmortem" export --store "$STORE" 2>"$T/export.err" || true; }
count() { export_ | wc -l; }
n=$(count)
dir=$(stat -c %u:%g:%a "$T/var/lib/$state")
foreign=$(find "$T/var/lib/$state" ! -user "$uid" | wc -l)
loose=$(find "$T/var/lib/$state" -type f -perm /o=rwx | wc -l)
[ "$n" -eq 2 ] && [ "$dir" = "$uid:$gid:${smode#0}" ] && [ "$foreign" -eq 0 ] && [ "$loose" -eq 0 ] &&
  [ -s "$T/var/lib/prometheus/node-exporter/pathmortem.prom" ] &&
  ok "2 snapshots stored; StateDirectory $dir as systemd made it, every file the unit's user's, none open to others (UMask=$umask_), metrics written" ||
  fail "after 2 runs: $n snapshots ($(head -1 "$T/export.err")), directory $dir, $foreign files of another owner, $loose open to others: $(ls -la "$T/var/lib/$state")"

# 4. systemctl stop (or the timeout) mid-sweep: SIGTERM to every process of the unit
unit_run --rate 200 --wait 0.5 lab-starjv
sleep 2
kill -TERM -- -"$pid" 2>/dev/null || fail "the unit's process group was gone before the stop"
rc=0; wait "$pid" || rc=$?
last=$(export_ | tail -1)
n=$(count)
stopped=$(printf '%s' "$last" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("stopped_by", ""))' 2>/dev/null || true)
if succeeds $rc && [ "$n" -eq 3 ] && [ "$stopped" = SIGTERM ]; then
  ok "stopped mid-sweep (SIGTERM to the process group): exit $rc, a success for the unit, the partial snapshot stored (stopped_by $stopped)"
else
  fail "stop mid-sweep: exit $rc (unit success: $(succeeds $rc && echo yes || echo no)), $n snapshots, stopped_by '$stopped': $(head -1 "$T/unit.err")"
fi

[ $fails -eq 0 ] || { echo "systemd_unit: $fails failure(s)" >&2; exit 1; }
echo "systemd_unit: all promises held"
