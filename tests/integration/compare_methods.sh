#!/usr/bin/env bash
# compare_methods.sh - --compare-methods tells a protocol filter (UDP refused with !X inside China Unicom, as
# seen toward 219.158.39.42) from a dead route (every method dies at the same router).
. "$(dirname "$0")/common.sh" "$1"
# Dense variant: the healthy Russian-side /28 is expected "reached" target by target.
lab_up --dense
evidence_has() { # FILE PREFIX TEXT
  python3 - "$@" <<'PY'
import json, sys, ipaddress
doc, net, text = json.load(open(sys.argv[1])), ipaddress.ip_network(sys.argv[2]), sys.argv[3]
hits = [t for t in doc['targets'] if ipaddress.ip_address(t['dst']) in net and t['verdict']['status'] == 'died']
assert hits, f'no died target in {net}'
for t in hits:
    ev = [e for e in t['verdict']['evidence'] if e.startswith('compare-methods:')]
    assert ev and text in ev[0], f"{t['dst']}: {ev or t['verdict']['evidence']}"
print(f'ok: {len(hits)} died targets in {net}: "{text}"')
PY
}
lab_fault filter cu2a udp
sweep filter-udp --method udp --compare-methods 198.19.176.0/28 198.19.177.0/28
evidence_has "$LAB_TMP/filter-udp.json" 198.19.176.0/28 "a protocol filter, not a dead route"
$CHECK verdicts "$LAB_TMP/filter-udp.json" 198.19.176.0/28=died:admin-prohibited:4837:4837 198.19.177.0/28=reached:*:*:20485
lab_repair filter cu2a udp

lab_fault drop cu2a
sweep drop-all --compare-methods 198.19.176.0/28
evidence_has "$LAB_TMP/drop-all.json" 198.19.176.0/28 "dead route"
