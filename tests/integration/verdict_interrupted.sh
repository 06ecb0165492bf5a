#!/usr/bin/env bash
# verdict_interrupted.sh - issue 9 failure 5: a run cut short by --timeout or SIGTERM says so (run.complete false, run.stopped_by), its unprobed targets are not-probed (never died), analyze of its pcap agrees, and interrupted snapshots leave no outage episode in history.
. "$(dirname "$0")/common.sh" "$1"
# Realistic variant; 1000 probes/s and a cut after 4 s: about 4000 probes, enough to see both upstream
# sides and the border converge, not enough for the /22 (it needs about 30 s at that rate).
scenario_up interrupted
fail() { echo "FAIL: $*"; exit 1; }
run_info() { # FILE: "complete stopped_by" of run
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["run"]; print(r.get("complete"), r.get("stopped_by"))' "$1"
}
check_cut() { # NAME WANT_STOPPED_BY [early: the cut came before one upstream side was seen]
  local info
  info=$(run_info "$LAB_TMP/$1.json")
  [ "${info% *}" = False ] || fail "$1: run.complete is not false ($info)"
  local by=${info#* }
  case " ${by,,} " in *"$2"*) ;; *) fail "$1: run.stopped_by '$by', expected $2" ;; esac
  pm analyze --format json -o "$LAB_TMP/$1-pcap.json" "$LAB_TMP/$1.pcap" || true
  if [ "${3:-}" = early ]; then
    # too early for the truth's upstream rows (a side may not be seen yet): its per-target and
    # per-/24 rows, checked here: no death, no dead /24
    python3 - "$LAB_TMP/$1.json" "$LAB_TMP/$1-pcap.json" <<'PY' || fail "$1: an early cut read deaths"
import json, sys
for f in sys.argv[1:]:
    d = json.load(open(f))
    bad = [x['dst'] for x in d['targets'] if x['verdict']['status'] not in ('reached', 'host-absent', 'not-probed')]
    assert not bad, f'{f}: {len(bad)} targets neither reached, host-absent nor not-probed: {bad[:3]}'
    dead = [p['prefix'] for p in d['summary']['by_prefix'] if p['state'] == 'dead']
    assert not dead, f'{f}: /24s read dead: {dead}'
PY
  else
    truth "$LAB_TMP/$1.json"
    truth "$LAB_TMP/$1-pcap.json"
  fi
  [ "$(run_info "$LAB_TMP/$1-pcap.json")" = "$info" ] || fail "$1: analyze of the pcap says $(run_info "$LAB_TMP/$1-pcap.json"), live $info"
  python3 - "$LAB_TMP/$1.json" "$LAB_TMP/$1-pcap.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))['targets']
n = sum(1 for x in t if x['verdict']['status'] == 'not-probed')
assert n > 0, 'a run cut mid-way must leave not-probed targets'
# the pcap gives the same run: target for target the same stop and verdict, the targets the cut
# came before their first probe included (the unsent records, docs/wire.md).
key = lambda x: (x['stop'], x['verdict']['status'], x['verdict']['rule'], x['verdict']['dies_in'])
live = {x['dst']: key(x) for x in t}
unsent = {x['dst'] for x in t if not any(h['probes'] for h in x['hops'])}
off = {x['dst']: key(x) for x in json.load(open(sys.argv[2]))['targets']}
diff = [(d, live[d], off.get(d)) for d in live if live[d] != off.get(d)]
assert not diff, f'analyze of the pcap differs from the live run for {len(diff)} targets: {diff[:3]}'
assert set(off) == set(live), 'the pcap has targets the live run does not'
assert all(live[d][1] == 'not-probed' for d in unsent)
print(f'ok: {n} of {len(t)} targets not-probed, the pcap gives the same {len(off)} verdicts '
      f'({len(unsent)} never sent a probe)')
PY
}

# --timeout 4 s
rc=0
pm trace --no-progress --format json -o "$LAB_TMP/timeout.json" -w "$LAB_TMP/timeout.pcap" --rate 1000 --wait 1 \
  --timeout 4 lab-starjv || rc=$?
echo "trace --timeout: exit $rc"
[ $rc -ne 0 ] || fail "a timed-out run exited 0"
check_cut timeout timeout

# --timeout 1 s at 200 probes/s: most targets never get a probe; the pcap's unsent records name them
rc=0
pm trace --no-progress --format json -o "$LAB_TMP/early.json" -w "$LAB_TMP/early.pcap" --rate 200 --wait 1 \
  --timeout 1 lab-starjv || rc=$?
echo "trace --timeout 1: exit $rc"
check_cut early timeout early
python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["targets"]; n=sum(1 for x in t if not any(h["probes"] for h in x["hops"])); assert n >= 256, f"only {n} targets unsent"' \
  "$LAB_TMP/early.json" || fail "the early cut left fewer than 256 targets without a probe"

# SIGTERM after 4 s ($! is pathmortem itself: lab.sh and ip netns exec exec it)
"$LAB_SH" exec "$LAB_PREFIX" vp "$BUILD/pathmortem" trace --asn-db "$LAB_TMP/lab-asn.mmdb" --no-progress \
  --format json -o "$LAB_TMP/term.json" -w "$LAB_TMP/term.pcap" --rate 1000 --wait 1 lab-starjv &
pid=$!
sleep 4
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
echo "trace + SIGTERM: exit $rc"
check_cut term sigterm

# snapshots: one complete, one cut by --timeout, one by SIGTERM, one complete
STORE=$LAB_TMP/store/store.db
mkdir -p "$LAB_TMP/store"
snap() { pm snapshot --store "$STORE" --no-progress --quiet --rate 5000 --wait 0.5 "$@" lab-starjv || true; }
snap
snap --rate 1000 --timeout 4
"$LAB_SH" exec "$LAB_PREFIX" vp "$BUILD/pathmortem" snapshot --asn-db "$LAB_TMP/lab-asn.mmdb" --store "$STORE" \
  --no-progress --quiet --rate 1000 --wait 0.5 lab-starjv &
pid=$!
sleep 4
kill -TERM "$pid"
wait "$pid" || true
snap
n=$("$BUILD/pathmortem" export --store "$STORE" | wc -l)
[ "$n" = 4 ] || fail "expected 4 stored snapshots (2 of them partial), export shows $n"
"$BUILD/pathmortem" history --store "$STORE" --format json >"$LAB_TMP/history.json"
python3 - "$LAB_TMP/history.json" <<'PY'
import json, sys
eps = json.load(open(sys.argv[1]))['episodes']
out = [e for e in eps if e['state'] in ('died', 'dead')]
assert not out, f'interrupted snapshots opened outage episodes: {out[:2]}'
print(f'ok: history of 4 snapshots (2 cut short): {len(eps)} episodes, no outage')
PY
