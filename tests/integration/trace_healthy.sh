#!/usr/bin/env bash
# trace_healthy.sh - sweeps the lab's whole /22 with each method and checks every hop against the known topology.
. "$(dirname "$0")/common.sh" "$1"
# Dense variant: every hop of all 1024 targets is checked against paths.tsv, so every address must answer
# and no router may rate-limit.
lab_up --dense
for method in icmp udp tcp; do
  sweep "healthy-$method" --method "$method" lab-starjv
  echo "method $method: $($CHECK healthy "$PATHS" upstream "$LAB_TMP/healthy-$method.json" 1024)"
done
# the traceroute-style single target: every TTL from 1, three queries per hop
sweep single 198.19.177.9
$CHECK healthy "$PATHS" upstream "$LAB_TMP/single.json" 1
python3 - "$LAB_TMP/single.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))['targets'][0]
probes = [h['probes'] for h in t['hops']]
assert all(p == 3 for p in probes), f"expected 3 queries per hop, got {probes}"
assert t.get('shared_below_ttl') in (None, 0), 'a single target shares nothing'
print('ok: single target probed from TTL 1 with 3 queries per hop')
PY
