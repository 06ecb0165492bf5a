#!/usr/bin/env bash
# run.sh - runs every row of TESTLIST through the real binary: run.sh PATHMORTEM [ROW-NAME-FILTER]; PM_WRAP (e.g. "valgrind ...") prefixes each run.
set -u

bin=${1:?usage: run.sh PATHMORTEM [FILTER]}
filter=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pm-badinput.XXXXXX")
trap 'for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done; rm -rf "$tmp"' EXIT
wrap=${PM_WRAP:-}
# Slow under valgrind; a hang is still a failure, just later.
limit=${PM_BADINPUT_TIMEOUT:-30}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export PATHMORTEM_STORE="$tmp/no-such-store.db"

pass=0
fail=0
failed=()

check_json() {   # check_json FILE CHECK... : counts in an analyze JSON document
  python3 - "$@" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
have = {
    "targets": len(doc["targets"]),
    "replies": sum(len(h["replies"]) for t in doc["targets"] for h in t["hops"]),
    "malformed": doc["run"].get("stats", {}).get("dropped_malformed", -1),
    # every reply the reader matched, also those a listed path leaves out
    # (beyond the TTL where the target first answered)
    "matched": doc["run"].get("stats", {}).get("replies_matched", -1),
    "sealed": int(doc["run"].get("assurance") == "sealed"),
}
for k in ("forged", "foreign", "checksum", "ttl0", "fragment", "not_answer"):
    have[k] = doc["run"].get("stats", {}).get("rejected_" + k, -1)
bad = []
for c in sys.argv[2:]:
    if ">=" in c:
        k, v = c.split(">=", 1)
        ok = have[k] >= int(v)
    else:
        k, v = c.split("=", 1)
        ok = have[k] == int(v)
    if not ok:
        bad.append("%s (have %s=%d)" % (c, k, have[k]))
if bad:
    print("counts differ: " + ", ".join(bad))
    sys.exit(1)
PY
}

# File failures (issue 10): `files SCENARIO` rows. setup_files sets args (the
# command), keep (files that must stay byte for byte), absent (paths that must
# not exist after), tmpdirs (directories that must hold no temp file after),
# asroot (run the command as nobody instead of root), netns (run it in an empty
# network namespace: trace rows fail before sending, and could not send if not),
# and returns 1 when the scenario cannot be set up here (needs root): skipped.
root=no; [ "$(id -u)" = 0 ] && root=yes
mounts=()
good_store=""
make_good_store() {   # one snapshot imported from a RIPE Atlas result, and its export
  [ -n "$good_store" ] && return 0
  good_store="$tmp/good-store/store.db"
  "$bin" import --store "$good_store" "$here/../peers/atlas-10.json" >/dev/null 2>&1 &&
    "$bin" export --store "$good_store" >"$tmp/good.jsonl" 2>/dev/null && [ -s "$tmp/good.jsonl" ]
}
full_tmpfs() {   # full_tmpfs DIR OLDFILE OLDBYTES: a small tmpfs holding OLDFILE and then nothing more fits
  [ $root = yes ] || return 1
  mkdir -p "$1" && mount -t tmpfs -o size=64k,nr_inodes=64 tmpfs "$1" || return 1
  mounts+=("$1")
  head -c "$3" /dev/urandom >"$1/$2"
  head -c 1M /dev/zero >"$1/.filler" 2>/dev/null   # takes what is left
  return 0
}
# A full device to write to: as root a private node (mknod c 1 7) in the row's
# own directory, so that a regression that renamed over it (as `geo build` did
# before issue 10, replacing the machine's /dev/full with a regular file)
# harms only the copy; otherwise /dev/full, if it is still a device.
full_dev() {
  if [ $root = yes ]; then
    # (a nodev mount refuses to open it: then /dev/full after all)
    mknod -m 666 "$1/full" c 1 7 2>/dev/null && head -c 1 "$1/full" >/dev/null 2>&1 && echo "$1/full" && return 0
    rm -f "$1/full"
  fi
  [ -c /dev/full ] && echo /dev/full
}
setup_files() {
  local d="$tmp/$name.d" pcap="$here/ok_icmp_eth.pcap"
  mkdir -p "$d"; chmod 755 "$tmp" "$d"
  args=(); keep=(); absent=(); tmpdirs=("$d"); asroot=yes; netns=no; stdin=""
  case "$1" in
    o_missing_dir)  args=(analyze -o "$d/nodir/out.json" "$pcap"); absent=("$d/nodir") ;;
    o_unwritable_dir)
      mkdir -m 555 "$d/ro"; cp "$pcap" "$d/in.pcap"; chmod 644 "$d/in.pcap"
      [ $root = yes ] && asroot=nobody   # root writes anywhere: the directory refuses nobody
      args=(analyze -o "$d/ro/out.json" "$d/in.pcap"); absent=("$d/ro/out.json"); tmpdirs+=("$d/ro") ;;
    w_missing_dir)
      [ $root = yes ] || return 1; netns=yes
      args=(trace --no-progress -w "$d/nodir/run.pcap" 198.18.0.1); absent=("$d/nodir") ;;
    o_same_as_w)
      [ $root = yes ] || return 1; netns=yes
      printf 'an earlier run\n' >"$d/run.out"; keep=("$d/run.out")
      args=(trace --no-progress -o "$d/run.out" -w "$d/./run.out" 198.18.0.1) ;;
    o_link_world_writable|w_link_world_writable|geo_o_link)
      chmod 1777 "$d"; printf 'not yours\n' >"$d/victim"; chmod 600 "$d/victim"; keep=("$d/victim")
      ln -s "$d/victim" "$d/out"
      case "$1" in
        o_*) args=(analyze -o "$d/out" "$pcap") ;;
        w_*) [ $root = yes ] || return 1; netns=yes; args=(trace --no-progress -w "$d/out" 198.18.0.1) ;;
        geo_*) args=(geo build -o "$d/out" "$tmp/rows.csv") ;;
      esac ;;
    o_link_foreign_dir|o_devlink_foreign_dir)
      [ $root = yes ] || return 1
      printf 'not yours\n' >"$tmp/victim-$name"; chmod 600 "$tmp/victim-$name"; keep=("$tmp/victim-$name")
      chown nobody "$d"; chmod 755 "$d"
      # a link planted by the directory's owner; to a device, it would be written in place in root's own directory
      if [ "$1" = o_link_foreign_dir ]; then ln -s "$tmp/victim-$name" "$d/out.json"; else ln -s /dev/null "$d/out.json"; fi
      args=(analyze -o "$d/out.json" "$pcap") ;;
    o_dev_full|geo_o_dev_full|history_o_dev_full)
      local full; full=$(full_dev "$d") || return 1
      case "$1" in
        o_*) args=(analyze -o "$full" "$pcap") ;;
        geo_*) args=(geo build -o "$full" "$tmp/rows.csv") ;;
        history_*)
          make_good_store || return 1
          cp -a "$(dirname "$good_store")" "$d/s"; keep=("$d/s/store.db")
          args=(history --store "$d/s/store.db" -o "$full") ;;
      esac ;;
    o_tmpfs_full|geo_o_tmpfs_full|export_o_tmpfs_full)
      full_tmpfs "$d/full" old 30000 || return 1
      keep=("$d/full/old"); tmpdirs+=("$d/full")
      case "$1" in
        o_*) args=(analyze --format json -o "$d/full/old" "$pcap") ;;
        geo_*) args=(geo build -o "$d/full/old" "$tmp/rows.csv") ;;
        export_*) make_good_store || return 1; args=(export --store "$good_store" -o "$d/full/old") ;;
      esac ;;
    show_o_*)   # `show -o` (issue 10): a temp file renamed into place, never through a link, the earlier file kept
      "$bin" analyze --format json -o "$d/in.json" "$pcap" >/dev/null 2>&1 || return 2
      chmod 644 "$d/in.json"
      case "$1" in
        show_o_link_world_writable)
          chmod 1777 "$d"; printf 'not yours\n' >"$d/victim"; chmod 600 "$d/victim"; keep=("$d/victim")
          ln -s "$d/victim" "$d/out"; args=(show -o "$d/out" "$d/in.json") ;;
        show_o_tmpfs_full)
          full_tmpfs "$d/full" old 30000 || return 1
          keep=("$d/full/old"); tmpdirs+=("$d/full"); args=(show --format json -o "$d/full/old" "$d/in.json") ;;
        show_o_bad_doc)
          printf 'an earlier rendering\n' >"$d/out.txt"; keep=("$d/out.txt")
          head -c 300 "$d/in.json" >"$d/cut.json"; args=(show -o "$d/out.txt" "$d/cut.json") ;;
      esac ;;
    import_store_*)
      make_good_store || return 1
      local db=${1#import_}
      cp "$here/db_$db.db" "$d/store.db"; keep=("$d/store.db")
      # a refused store gets nothing beside it: no -wal/-shm (two of these headers say WAL), no lock, no pcaps/
      args=(import --store "$d/store.db" "$tmp/good.jsonl")
      absent=("$d/pcaps" "$d/store.db-wal" "$d/store.db-shm" "$d/store.db.lock") ;;
    import_pipe_*)   # `import -` from a pipe (issue 12): a bad line creates and stores nothing
      make_good_store || return 1
      case "$1" in
        import_pipe_bad_first) printf '{"schema":"pathmortem-snapshot/1",\n' >"$d/in" ;;
        import_pipe_bad_later) { cat "$tmp/good.jsonl"; printf '{"schema": 7}\n'; } >"$d/in" ;;
        import_pipe_atlas_cut) head -c 2000 "$here/../peers/atlas-10.json" >"$d/in" ;;
      esac
      stdin="$d/in"; args=(import --store "$d/new/store.db" -); absent=("$d/new") ;;
    *) return 2 ;;
  esac
  return 0
}
printf '1.0.0.0,1.0.0.255,13335,CLOUDFLARENET\n8.8.8.0,8.8.8.255,15169,GOOGLE\n' >"$tmp/rows.csv"
chmod 644 "$tmp/rows.csv"
skipped=0

while read -r name cmd file want kind rest; do
  case "$name" in ''|'#'*) continue ;; esac
  if [ -n "$filter" ] && [[ "$name" != *"$filter"* ]]; then continue; fi
  path="$here/$file"
  out="$tmp/$name.out"
  err="$tmp/$name.err"
  before=""
  case "$cmd" in
    analyze)
      if [ "$kind" = ok ] || [ "$kind" = warn ]; then args=(analyze --format json "$path"); else args=(analyze "$path"); fi ;;
    geo)
      args=(geo lookup --asn-db "$path" 1.2.3.4 175.45.176.1) ;;
    history)
      # work on a copy in a private dir, so side files (-wal, -shm, .lock) show up too
      mkdir -p "$tmp/$name.d"
      copy="$tmp/$name.d/store.db"
      if [ -f "$path" ]; then cp "$path" "$copy"; before=$(sha256sum < "$copy"); fi
      args=(history --store "$copy") ;;
    files)
      setup_files "$file"
      case $? in
        0) ;;
        1) echo "skip $name (needs root)"; skipped=$((skipped + 1)); continue ;;
        *) echo "FAIL $name: unknown scenario '$file'"; fail=$((fail + 1)); failed+=("$name"); continue ;;
      esac
      sums=()
      for k in "${keep[@]}"; do sums+=("$(sha256sum < "$k")"); done ;;
    *) echo "FAIL $name: unknown command '$cmd' in TESTLIST"; fail=$((fail + 1)); failed+=("$name"); continue ;;
  esac
  pre=()
  if [ "$cmd" = files ]; then
    [ "$netns" = yes ] && pre+=(unshare -n)
    [ "$asroot" = nobody ] && pre+=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  fi
  # shellcheck disable=SC2086
  if [ "$cmd" = files ] && [ -n "$stdin" ]; then
    # a pipe, not a file: process substitution
    timeout -k 5 "$limit" "${pre[@]}" $wrap "$bin" "${args[@]}" >"$out" 2>"$err" < <(cat "$stdin")
  else
    timeout -k 5 "$limit" "${pre[@]}" $wrap "$bin" "${args[@]}" >"$out" 2>"$err" </dev/null
  fi
  rc=$?
  why=""
  if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
    why="hung (killed after ${limit}s)"
  elif [ $rc -ge 128 ]; then
    why="died by signal $((rc - 128))"
  elif grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|==[0-9]+== (Invalid|Conditional|Use of uninit|[0-9,]+ bytes in)' "$err"; then
    why="sanitizer/valgrind report: $(grep -m1 -E 'Sanitizer|runtime error|==[0-9]+==' "$err")"
  elif [ "$rc" != "$want" ]; then
    why="exit $rc, want $want: $(head -c 300 "$err" | head -1)"
  elif [ "$kind" = err ]; then
    lines=$(grep -vc '^==[0-9]*==' "$err")
    first=$(grep -v '^==[0-9]*==' "$err" | head -1)
    if [ "$lines" -ne 1 ]; then
      why="stderr has $lines lines, want exactly 1"
    elif [[ "$first" != "pathmortem: "* ]]; then
      why="stderr does not start with 'pathmortem: ': $first"
    elif [[ "$first" != *"$rest"* ]]; then
      why="stderr lacks '$rest': $first"
    fi
  elif [ "$kind" = warn ]; then
    sub=${rest%% ; *}
    checks=${rest#* ; }
    lines=$(grep -vc '^==[0-9]*==' "$err")
    first=$(grep -v '^==[0-9]*==' "$err" | head -1)
    if [ "$lines" -ne 1 ]; then
      why="stderr has $lines lines, want exactly 1"
    elif [[ "$first" != "pathmortem: "* ]] || [[ "$first" != *"$sub"* ]]; then
      why="stderr lacks 'pathmortem: ...$sub': $first"
    elif ! msg=$(check_json "$out" $checks 2>&1); then
      why="$msg"
    fi
  elif [ "$kind" = ok ]; then
    if [ -n "$(grep -v '^==[0-9]*==' "$err")" ]; then
      why="unexpected stderr: $(head -1 "$err")"
    elif ! msg=$(check_json "$out" $rest 2>&1); then
      why="$msg"
    fi
  fi
  if [ -z "$why" ] && [ -n "$before" ]; then
    if [ "$(sha256sum < "$copy")" != "$before" ]; then
      why="the store file was modified"
    fi
  fi
  if [ -z "$why" ] && [ "$cmd" = history ] && [ "$want" != 0 ]; then
    # a refused store gets nothing beside it (SQLite would make a -wal and -shm for a WAL header)
    side=$(find "$tmp/$name.d" -mindepth 1 ! -name store.db | head -1)
    [ -n "$side" ] && why="created ${side#"$tmp"/} beside the refused store"
  fi
  if [ -z "$why" ] && [ "$cmd" = files ]; then
    for i in "${!keep[@]}"; do
      [ "$(sha256sum < "${keep[$i]}")" = "${sums[$i]}" ] || why="${keep[$i]#"$tmp"/} was changed"
    done
    for a in "${absent[@]}"; do
      [ -e "$a" ] && why="${a#"$tmp"/} exists after the failure"
    done
    for t in "${tmpdirs[@]}"; do
      left=$(find "$t" -maxdepth 1 -name '.*.tmp' 2>/dev/null | head -1)
      [ -n "$left" ] && why="temp file left: ${left#"$tmp"/}"
    done
  fi
  if [ -n "${mounts[*]}" ] && [ "$cmd" = files ]; then
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
    mounts=()
  fi
  if [ -z "$why" ]; then
    pass=$((pass + 1))
    echo "ok   $name"
  else
    fail=$((fail + 1))
    failed+=("$name")
    echo "FAIL $name: $why"
  fi
done < "$here/TESTLIST"

echo "bad-input corpus: $pass passed, $fail failed${failed:+ (${failed[*]})}, $skipped skipped (need root)"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
