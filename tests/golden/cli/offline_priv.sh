#!/usr/bin/env bash
# offline_priv.sh - issue 10 item 8: history, export, diff, import (its input file too), geo lookup and bgp dump/state started as root parse their files only after dropping (to the owner of the store's directory, else uid 0 without any capability), and trace reads -T target files and --presets as the drop user. offline_priv.sh PATHMORTEM   (root; 77 = skipped otherwise)
# How it tells: a file only root can read (0600 root) in a directory another user owns, and a file of
# another user (0600 nobody) in root's directory: a command that kept root's rights would read both.
# import reading stdin is caught blocked in its read: /proc/PID/status then shows who parses.
set -u
bin=$(realpath "${1:?usage: offline_priv.sh PATHMORTEM}")
[ "$(id -u)" = 0 ] || { echo "skipped: needs root"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pm-offpriv.XXXXXX")
holder=""
cleanup() { [ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
chmod 755 "$tmp"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
nobody=$(id -u nobody)

# a good store of one snapshot (a RIPE Atlas result imported), and its export
mkdir -m 755 "$tmp/src"
"$bin" import --store "$tmp/src/store.db" "$here/../peers/atlas-10.json" >/dev/null 2>&1 &&
  "$bin" export --store "$tmp/src/store.db" >"$tmp/good.jsonl" 2>/dev/null && chmod 644 "$tmp/good.jsonl" ||
  { echo "FAIL: cannot make the good store"; exit 1; }

# store_in DIR OWNER MODE: a copy of the good store in DIR (owned by OWNER), the store file mode MODE
store_in() {
  mkdir -p "$1"; cp "$tmp/src/store.db" "$1/store.db"
  chown "$2" "$1"; chmod "$3" "$1/store.db"
}

# 1. readers. Control: a store everyone may read is read by each command (exit 0).
store_in "$tmp/open" root 644
# (a) the store's directory is nobody's, the store file root's 0600: dropped to nobody, it cannot be read
store_in "$tmp/users" nobody 600
# (b) root's directory, the store file nobody's 0600: uid 0 without CAP_DAC_OVERRIDE cannot read it
store_in "$tmp/roots" root 600; chown nobody "$tmp/roots/store.db"
for cmd in history export "diff latest latest"; do
  # shellcheck disable=SC2086 # the command's words
  rc=0; "$bin" $cmd --store "$tmp/open/store.db" >/dev/null 2>"$tmp/e" || rc=$?
  [ $rc -eq 0 ] || { fail "$cmd on a readable store: exit $rc: $(head -1 "$tmp/e")"; continue; }
  for case in users roots; do
    rc=0; "$bin" $cmd --store "$tmp/$case/store.db" >/dev/null 2>"$tmp/e" || rc=$?
    if [ $rc -ne 0 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ]; then
      ok "$cmd as root, store unreadable to $( [ $case = users ] && echo "nobody (its directory's owner)" || echo "uid 0 without capabilities"): refused (exit $rc: $(cat "$tmp/e"))"
    else
      fail "$cmd as root read a store it should not ($case): exit $rc, $(head -1 "$tmp/e")"
    fi
  done
done

# 2. geo lookup: a database of another user's, 0600, is out of reach of uid 0 without capabilities
cp "$(dirname "$bin")/data/default-asn.mmdb" "$tmp/asn.mmdb" 2>/dev/null ||
  "$bin" geo build -o "$tmp/asn.mmdb" "$here/../../../geo/asn.csv" >/dev/null 2>&1
chmod 644 "$tmp/asn.mmdb"
rc=0; "$bin" geo lookup --asn-db "$tmp/asn.mmdb" 175.45.176.1 >/dev/null 2>"$tmp/e" || rc=$?
[ $rc -eq 0 ] || fail "geo lookup on a readable database: exit $rc: $(head -1 "$tmp/e")"
chown nobody "$tmp/asn.mmdb"; chmod 600 "$tmp/asn.mmdb"
rc=0; "$bin" geo lookup --asn-db "$tmp/asn.mmdb" 175.45.176.1 >/dev/null 2>"$tmp/e" || rc=$?
[ $rc -ne 0 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ] && ok "geo lookup as root: another user's 0600 database is not read (exit $rc)" ||
  fail "geo lookup as root read another user's 0600 database: exit $rc"

# 3. import from a pipe: caught while it waits for its first byte, it is the store directory's owner,
# without capabilities, under the filter; then the rows arrive and it stores them
mkdir "$tmp/imp"; chown nobody "$tmp/imp"
mkfifo "$tmp/feed"
"$bin" import --store "$tmp/imp/store.db" - <"$tmp/feed" >/dev/null 2>"$tmp/imp.err" &
pid=$!
exec 7>"$tmp/feed"      # the writer end, held open without writing
st=""
for _ in $(seq 1 100); do
  st=$(awk '$1 == "Uid:" { u = $2 } $1 == "CapEff:" { c = $2 } $1 == "Seccomp:" { s = $2 } END { print u, c, s }' \
    "/proc/$pid/status" 2>/dev/null)
  [ "${st##* }" = 2 ] && break
  sleep 0.05
done
sleep 0.2
st=$(awk '$1 == "Uid:" { u = $2 } $1 == "CapEff:" { c = $2 } $1 == "Seccomp:" { s = $2 } END { print u, c, s }' \
  "/proc/$pid/status" 2>/dev/null)
cat "$tmp/good.jsonl" >&7
exec 7>&-
rc=0; wait "$pid" || rc=$?
n=$("$bin" export --store "$tmp/imp/store.db" 2>/dev/null | wc -l)
if [ "$st" = "$nobody 0000000000000000 2" ] && [ $rc -eq 0 ] && [ "$n" -eq 1 ]; then
  ok "import - as root parses its input as nobody (the store directory's owner), no capability, under the filter; 1 snapshot stored"
else
  fail "import -: parsing process 'uid capeff seccomp' = '$st' (want '$nobody 0000000000000000 2'), exit $rc, $n stored: $(head -1 "$tmp/imp.err")"
fi

# 3b. import of a file only root can read, into a store of nobody's: not opened (it would land in
# nobody's store), nothing created
mkdir "$tmp/imp2"; chown nobody "$tmp/imp2"
cp "$tmp/good.jsonl" "$tmp/rootonly.jsonl"; chmod 600 "$tmp/rootonly.jsonl"
rc=0; "$bin" import --store "$tmp/imp2/store.db" "$tmp/rootonly.jsonl" >/dev/null 2>"$tmp/e" || rc=$?
if [ $rc -ne 0 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ] && grep -q rootonly "$tmp/e" && [ -z "$(ls -A "$tmp/imp2")" ]; then
  ok "import as root of a root-only file into nobody's store: refused, nothing created (exit $rc: $(cat "$tmp/e"))"
else
  fail "import as root read a root-only file into nobody's store: exit $rc, $(head -1 "$tmp/e"), left: $(ls -A "$tmp/imp2")"
fi

# 4. trace: -T target files and --presets are read by the unprivileged child (in an empty network
# namespace: nothing could be sent even if the run went on)
if unshare -n true 2>/dev/null; then
  printf '198.18.0.1\n' >"$tmp/targets"; chmod 600 "$tmp/targets"
  printf '[x]\ndescription = x\nprefixes = 198.18.0.0/30\n' >"$tmp/presets.conf"; chmod 600 "$tmp/presets.conf"
  rc=0; unshare -n "$bin" trace --no-pcap -T "$tmp/targets" >/dev/null 2>"$tmp/e" || rc=$?
  [ $rc -ne 0 ] && grep -q "targets" "$tmp/e" && [ "$(wc -l <"$tmp/e")" -eq 1 ] &&
    ok "trace -T with a root-only target file: not read by the drop user (exit $rc: $(cat "$tmp/e"))" ||
    fail "trace -T root-only file: exit $rc: $(head -2 "$tmp/e")"
  rc=0; unshare -n "$bin" trace --no-pcap --presets "$tmp/presets.conf" x >/dev/null 2>"$tmp/e" || rc=$?
  [ $rc -ne 0 ] && grep -q "presets.conf" "$tmp/e" && [ "$(wc -l <"$tmp/e")" -eq 1 ] &&
    ok "trace --presets with a root-only file: not read by the drop user (exit $rc: $(cat "$tmp/e"))" ||
    fail "trace --presets root-only file: exit $rc: $(head -2 "$tmp/e")"
fi

# 5. bgp dump and bgp state: an MRT file (from a collector or a mirror, never trusted) is parsed only
# after the drop: root's 0600 file in nobody's directory and nobody's 0600 file in root's directory
# are both out of reach; the same file readable to all is read (the control)
mrt="$here/../mrt/mrtparse.bird-mrtdump_rib"
mkdir -m 755 "$tmp/mrt-open"; mkdir "$tmp/mrt-users"; chown nobody "$tmp/mrt-users"; mkdir -m 755 "$tmp/mrt-roots"
cp "$mrt" "$tmp/mrt-open/rib"; chmod 644 "$tmp/mrt-open/rib"
cp "$mrt" "$tmp/mrt-users/rib"; chmod 600 "$tmp/mrt-users/rib"
cp "$mrt" "$tmp/mrt-roots/rib"; chown nobody "$tmp/mrt-roots/rib"; chmod 600 "$tmp/mrt-roots/rib"
# run_bgp dump|state FILE: the command on one MRT file
run_bgp() {
  if [ "$1" = dump ]; then "$bin" bgp dump "$2"; else "$bin" bgp state --mrt "$2" 175.45.176.0/22; fi
}
for cmd in dump state; do
  rc=0; run_bgp $cmd "$tmp/mrt-open/rib" >/dev/null 2>"$tmp/e" || rc=$?
  [ $rc -eq 0 ] || { fail "bgp $cmd on a readable MRT file: exit $rc: $(head -1 "$tmp/e")"; continue; }
  for case in users roots; do
    rc=0; run_bgp $cmd "$tmp/mrt-$case/rib" >/dev/null 2>"$tmp/e" || rc=$?
    if [ $rc -ne 0 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ] && grep -q "mrt-$case/rib" "$tmp/e"; then
      ok "bgp $cmd as root, MRT file unreadable to $( [ $case = users ] && echo "nobody (its directory's owner)" || echo "uid 0 without capabilities"): refused (exit $rc: $(cat "$tmp/e"))"
    else
      fail "bgp $cmd as root read an MRT file it should not ($case): exit $rc, $(head -1 "$tmp/e")"
    fi
  done
done

[ $fails -eq 0 ] || { echo "offline_priv: $fails failure(s)"; exit 1; }
echo "offline_priv: all held"
