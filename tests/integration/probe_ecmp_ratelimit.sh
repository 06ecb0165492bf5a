#!/usr/bin/env bash
# probe_ecmp_ratelimit.sh - flow-stable probes see one path per target under ECMP while classic probes mix;
# ICMP rate limiting shows as silence, never as a death.
. "$(dirname "$0")/common.sh" "$1"
# Dense variant: the mixing counts need every target's hops answered, and the rate-limit check
# needs cu1 to be the only router that limits (the realistic lab limits every upstream router).
lab_up --dense
lab_fault ecmp
# UDP: Linux hashes ports (fib_multipath_hash_policy=1); three queries per hop, every hop probed
sweep ecmp-paris --method udp -q 3 --no-stopset 198.19.176.0/26
echo "paris:   $($CHECK mixing "$LAB_TMP/ecmp-paris.json" 1 0)"
sweep ecmp-classic --method udp -q 3 --no-stopset --classic 198.19.176.0/26
echo "classic: $($CHECK mixing "$LAB_TMP/ecmp-classic.json" 0 2)"
# another flow id may pick the other branch, but is still one path per target
sweep ecmp-flow --method udp -q 3 --no-stopset --flow 9 198.19.176.0/27
echo "flow 9:  $($CHECK mixing "$LAB_TMP/ecmp-flow.json" 1 0)"
lab_repair ecmp

# Linux's default ICMP rate limit on cu1 (1 per second per destination after a burst)
lab_fault ratelimit cu1
sweep ratelimit --no-stopset --retries 1 198.19.176.0/25
python3 - "$LAB_TMP/ratelimit.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
silent_at_cu1 = died = 0
for t in doc['targets']:
    v = t['verdict']
    if v['status'] != 'reached':
        died += 1
    hop3 = [h for h in t['hops'] if h['ttl'] == 3]
    if hop3 and hop3[0]['probes'] and not hop3[0]['replies']:
        silent_at_cu1 += 1
assert died == 0, f'{died} targets reported dead under mere rate limiting'
assert silent_at_cu1 > 0, 'cu1 never stayed silent: the rate limit was not exercised'
print(f'ok: {len(doc["targets"])} targets reached; {silent_at_cu1} saw cu1 silent (rate limited), none called dead')
PY
