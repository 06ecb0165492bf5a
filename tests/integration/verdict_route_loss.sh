#!/usr/bin/env bash
# verdict_route_loss.sh - issue 9 failure 2: a route lost inside China Unicom and answered host-unreachable (code 1), admin-prohibited, net-unreachable (throw) or not at all is blamed on AS4837, never on the target AS; live, from the pcap and in snapshot -> history.
. "$(dirname "$0")/common.sh" "$1"
# Realistic variant: cu2a's answers are under the route error limit (5, then 1 a second).
scenario_up healthy
for sc in route-loss-host route-loss-prohibit route-loss-throw route-loss-blackhole; do
  scenario_faults "$sc"
  sweep "$sc" lab-starjv
  truth "$LAB_TMP/$sc.json"
  pm analyze --format json -o "$LAB_TMP/$sc-pcap.json" "$LAB_TMP/$sc.pcap" || [ $? -le 2 ]
  truth "$LAB_TMP/$sc-pcap.json"
  scenario_repair "$sc"
done

STORE=$LAB_TMP/store/store.db
mkdir -p "$LAB_TMP/store"
snap() { pm snapshot --store "$STORE" --no-progress --quiet --rate 5000 --wait 0.5 lab-starjv || [ $? -le 2 ]; }
snap
scenario_faults route-loss-host
snap; snap
scenario_repair route-loss-host
snap
"$BUILD/pathmortem" history --store "$STORE" --format json >"$LAB_TMP/history.json"
python3 - "$LAB_TMP/history.json" <<'PY'
import json, sys
eps = json.load(open(sys.argv[1]))['episodes']
for p in ('198.19.176.0/24', '198.19.179.0/24'):
    e = [x for x in eps if x['prefix'] == p]
    st = [(x['state'], x['snapshots'], (x.get('dies_in') or {}).get('asn')) for x in e]
    assert [s[1] for s in st] == [1, 2, 1], f'{p}: expected episodes of 1, 2, 1 snapshots, got {st}'
    assert st[1][0] in ('died', 'dead') and st[1][2] == 4837, f'{p}: the outage must be placed in AS4837, got {st}'
    assert st[0][0] not in ('died', 'dead') and st[2][0] not in ('died', 'dead'), st
for p in ('198.19.177.0/24', '198.19.178.0/24'):
    e = [x for x in eps if x['prefix'] == p]
    assert len(e) == 1 and e[0]['state'] not in ('died', 'dead') and e[0]['snapshots'] == 4, (p, e)
print('ok: history: the China-side /24s die in AS4837 for 2 snapshots, the Russian side is never out')
PY
