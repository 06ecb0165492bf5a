#!/usr/bin/env bash
# verdict_dark.sh - issue 9 failure 1: in the realistic lab, dark addresses are host-absent (not deaths) and a /24 where half the paths die is partial (not reached), live, from the pcap and in snapshot -> history.
. "$(dirname "$0")/common.sh" "$1"
# Realistic variant (the default): 11 live hosts; every other address dark.
scenario_up healthy
sweep healthy lab-starjv
truth "$LAB_TMP/healthy.json"
pm analyze --format json -o "$LAB_TMP/healthy-pcap.json" "$LAB_TMP/healthy.pcap" || [ $? -le 2 ]
truth "$LAB_TMP/healthy-pcap.json"

# half of 198.19.176.0/24 (all five hosts) routed into a black hole at cu3
scenario_faults half-dead
sweep half lab-starjv
truth "$LAB_TMP/half.json"
pm analyze --format json -o "$LAB_TMP/half-pcap.json" "$LAB_TMP/half.pcap" || [ $? -le 2 ]
truth "$LAB_TMP/half-pcap.json"
scenario_repair half-dead

# snapshot -> history: healthy x2, half-dead x2, healthy; dark addresses never open an outage
STORE=$LAB_TMP/store/store.db
mkdir -p "$LAB_TMP/store"
snap() { pm snapshot --store "$STORE" --no-progress --quiet --rate 5000 --wait 0.5 lab-starjv || [ $? -le 2 ]; }
snap; snap
scenario_faults half-dead
snap; snap
scenario_repair half-dead
snap
"$BUILD/pathmortem" history --store "$STORE" --format json >"$LAB_TMP/history.json"
python3 - "$LAB_TMP/history.json" <<'PY'
import json, sys
eps = json.load(open(sys.argv[1]))['episodes']
OUT = ('died', 'dead')   # outage states, old and new names
def of(prefix):
    return [(e['state'], e['snapshots']) for e in eps if e['prefix'] == prefix]
for p in ('198.19.177.0/24', '198.19.178.0/24', '198.19.179.0/24'):
    st = of(p)
    assert len(st) == 1 and st[0][0] not in OUT and st[0][1] == 5, f'{p}: healthy with dark addresses must be one non-outage episode of 5 snapshots, got {st}'
cu = of('198.19.176.0/24')
assert [s[1] for s in cu] == [2, 2, 1], f'198.19.176.0/24: expected episodes of 2, 2 and 1 snapshots, got {cu}'
assert cu[1][0] == 'partial', f'198.19.176.0/24 with half its paths dead must be partial, got {cu}'
assert cu[0][0] == cu[2][0] and cu[0][0] not in OUT, cu
print(f'ok: history: 198.19.176.0/24 {cu}; the other /24s one episode each, no outage from dark addresses')
PY
