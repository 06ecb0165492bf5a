#!/usr/bin/env bash
# analyze_pcap.sh - the pcap of a live run, analyzed later, gives the same targets, hops, verdicts and roll-ups.
. "$(dirname "$0")/common.sh" "$1"
lab_up
lab_fault withdraw cu2a 198.19.176.0/24
sweep live lab-starjv
pm analyze --format json -o "$LAB_TMP/replay.json" "$LAB_TMP/live.pcap" || [ $? -le 2 ]
$CHECK same "$LAB_TMP/live.json" "$LAB_TMP/replay.json"
# the live run's JSON, re-rendered by show, is the same document byte for byte
"$BUILD/pathmortem" show --format json -o "$LAB_TMP/shown.json" "$LAB_TMP/live.json" || [ $? -le 2 ]
cmp "$LAB_TMP/live.json" "$LAB_TMP/shown.json" || { echo "FAIL: show changed the live JSON"; exit 1; }
echo "ok: show --format json reproduces the live run's JSON"
# and a pcap file that is not ours is refused with one line, non-zero
printf 'not a pcap file at all' > "$LAB_TMP/garbage.pcap"
set +e
out=$("$BUILD/pathmortem" analyze "$LAB_TMP/garbage.pcap" 2>&1); rc=$?
set -e
[ $rc -eq 65 ] || { echo "FAIL: garbage pcap gave exit $rc"; exit 1; }
[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || { echo "FAIL: more than one line: $out"; exit 1; }
echo "ok: garbage pcap refused: $out"
