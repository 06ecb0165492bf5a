#!/usr/bin/env bash
# test_run_records.sh - the pcap of a lab trace holds its start record (the run's secret) and an end record with the run's end cause: complete, timeout, SIGTERM; analyze of each verifies the seal (assurance sealed) and of a copy without the records says the lower assurance.
# usage: test_run_records.sh [PATHMORTEM]   (root; exits 77 to be skipped otherwise)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lab_require_root

BIN=$(readlink -f "${1:-${PATHMORTEM:-build/pathmortem}}")
[ -x "$BIN" ] || { echo "FAIL: no pathmortem binary at $BIN" >&2; exit 1; }
lab_up
lab_geo
lab_tmpdir
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# records FILE: the run records of a pcap, one "event end" line each, and
# FILE.norec: the same capture without them (python, no dependency).
records() {
  python3 - "$1" <<'PY'
import struct, sys
path = sys.argv[1]
data = open(path, "rb").read()
magic = struct.unpack("<I", data[:4])[0]
e = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
link = struct.unpack(e + "I", data[20:24])[0]
skip = {1: 14, 113: 16, 276: 20, 101: 0, 228: 0}[link]
out, off, kept = [], 24, [data[:24]]
while off + 16 <= len(data):
    caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
    frame = data[off + 16:off + 16 + caplen]
    ip = frame[skip:]
    if len(ip) > 20 and ip[9] == 253 and ip[12:20] == bytes(8):
        kv = dict(l.split("=", 1) for l in ip[20:].decode().splitlines()[1:])
        out.append("%s %s" % (kv.get("event"), kv.get("end", "-")))
    else:
        kept.append(data[off:off + 16 + caplen])
    off += 16 + caplen
open(path + ".norec", "wb").write(b"".join(kept))
print("\n".join(out))
PY
}

# one NAME WANT-END [trace args...]: a trace in vp; with WANT-END SIGTERM it is stopped after 2 s.
# A complete run exits 0-2, a cut one 3 (PM_EXIT_INCOMPLETE), live and when its pcap is analysed.
one() {
  local name=$1 want=$2 pid rc got arc wantrc=3
  [ "$want" = complete ] && wantrc=012
  shift 2
  "$LAB_SH" exec "$LAB_PREFIX" vp "$BIN" trace --no-progress --format json --asn-db "$LAB_ASN_DB" \
    -w "$LAB_TMP/$name.pcap" "$@" >"$LAB_TMP/$name.json" 2>"$LAB_TMP/$name.err" &
  pid=$!
  if [ "$want" = SIGTERM ]; then
    sleep 2
    kill -TERM "$pid"   # lab.sh exec execs: $pid is pathmortem itself
  fi
  set +e
  wait "$pid"
  rc=$?
  set -e
  [[ $wantrc == *$rc* ]] || { fail "$name: exit $rc (want one of $wantrc): $(head -1 "$LAB_TMP/$name.err")"; return; }
  got=$(records "$LAB_TMP/$name.pcap" | tr '\n' ' ')
  echo "$name: records: $got"
  # a cut run names the targets it never sent a probe to in unsent records before its end (docs/wire.md)
  local shape
  shape=$(sed -E 's/^start - (unsent - )*end /start - end /' <<<"$got")
  [ "$shape" = "start - end $want " ] || fail "$name: records '$got', want 'start - [unsent - ...] end $want '"
  [ "$want" != complete ] || [ "$got" = "start - end complete " ] || fail "$name: a complete run wrote unsent records"
  arc=0
  "$BIN" analyze --format json --asn-db "$LAB_ASN_DB" "$LAB_TMP/$name.pcap" >"$LAB_TMP/$name.a.json" 2>/dev/null || arc=$?
  [[ $wantrc == *$arc* ]] || fail "$name: analyze of its pcap exits $arc, want one of $wantrc"
  grep -q '"assurance": "sealed"' "$LAB_TMP/$name.a.json" || fail "$name: analyze did not verify the seal"
  # the live run and the analysis of its pcap say the same about how it ended
  python3 - "$LAB_TMP/$name.json" "$LAB_TMP/$name.a.json" <<'PY' || fail "$name: live and offline disagree on the run's end"
import json, sys
a, b = (json.load(open(p))["run"] for p in sys.argv[1:3])
pick = lambda r: (r.get("complete"), r.get("stopped_by"))
print("  live %s, analyze %s" % (pick(a), pick(b)))
sys.exit(0 if pick(a) == pick(b) else 1)
PY
  "$BIN" analyze --asn-db "$LAB_ASN_DB" "$LAB_TMP/$name.pcap.norec" >"$LAB_TMP/$name.norec.txt" 2>/dev/null || true
  grep -q '^assurance: lower' "$LAB_TMP/$name.norec.txt" || fail "$name: a capture without records did not state the lower assurance"
}

one complete complete 198.19.176.15
one timeout timeout -r 50 --timeout 2 198.19.176.0/22
one sigterm SIGTERM -r 50 198.19.176.0/22

if [ $fails -ne 0 ]; then
  echo "test_run_records: $fails failure(s)" >&2
  exit 1
fi
echo "test_run_records: ok"
