#!/usr/bin/env bash
# verdict_paths.sh - issue 9 failure 6: a path ends at the first TTL that reached the target, hops without probes are not listed, "maxttl" only for paths probed to the maximum TTL, a death carries the router's distance, evidence is never cut mid-word, and analyze's header states the run's queries, wait and probes.
. "$(dirname "$0")/common.sh" "$1"
# Realistic variant (dark addresses, rate limits), then the China side's route lost to see deaths.
scenario_up healthy
sweep healthy -q 1 lab-starjv
scenario_faults withdraw-cu
sweep withdraw -q 1 lab-starjv
scenario_repair withdraw-cu
for run in healthy withdraw; do
  python3 - "$LAB_TMP/$run.json" "$SRC/tests/lab/lab-asn.csv" <<'PY'
import csv, json, sys
doc = json.load(open(sys.argv[1]))
names = {row[3] for row in csv.reader(open(sys.argv[2]))}
max_ttl = doc['run']['max_ttl']
# where each router answered time-exceeded: its distance
dist = {}
for t in doc['targets']:
    for h in t['hops']:
        for r in h['replies']:
            if r['icmp_type'] == 11:
                dist.setdefault(r['from'], set()).add(h['ttl'])
bad = []
for t in doc['targets']:
    v, hops = t['verdict'], t['hops']
    if v['status'] == 'reached':
        first = min((h['ttl'] for h in hops for r in h['replies'] if r['from'] == t['dst']), default=None)
        later = [h['ttl'] for h in hops if first is not None and h['ttl'] > first]
        if later:
            bad.append(f"{t['dst']}: reached at hop {first} but hops {later} listed after it")
    empty = [h['ttl'] for h in hops if not h['probes']]
    if empty:
        bad.append(f"{t['dst']}: hops {empty} listed with no probe")
    if t['stop'] == 'maxttl' and max((h['ttl'] for h in hops), default=0) < max_ttl:
        bad.append(f"{t['dst']}: stop maxttl but probed only to TTL {max((h['ttl'] for h in hops), default=0)} (max {max_ttl})")
    lh = v.get('last_hop') or {}
    if v['status'] == 'died' and lh.get('addr') in dist and lh.get('ttl') not in dist[lh['addr']]:
        bad.append(f"{t['dst']}: death at {lh['addr']} labelled hop {lh['ttl']}, the router answers at hop(s) {sorted(dist[lh['addr']])}")
    for e in v.get('evidence', []):
        for n in names:
            if any(e.endswith(n[:k]) for k in range(5, len(n))):
                bad.append(f"{t['dst']}: evidence cut mid-name: ...{e[-60:]!r}")
if bad:
    print(f'FAIL: {len(bad)} path problems, e.g.:')
    for b in bad[:5]:
        print('  ' + b)
    sys.exit(1)
print(f"ok: {len(doc['targets'])} paths end where they reached, no empty hops, distances and evidence whole")
PY
done
# analyze's header states the run as it was made: 1 query, wait 1000 ms, the probes sent
pm analyze --no-progress -o "$LAB_TMP/withdraw.txt" "$LAB_TMP/withdraw.pcap" 2>/dev/null || pm analyze -o "$LAB_TMP/withdraw.txt" "$LAB_TMP/withdraw.pcap" || true
sent=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["stats"]["probes_sent"])' "$LAB_TMP/withdraw.json")
head -3 "$LAB_TMP/withdraw.txt"
grep -Eq '(^|[ ,])1 quer(y|ies)' "$LAB_TMP/withdraw.txt" || { echo "FAIL: analyze header does not say 1 query"; exit 1; }
grep -q 'wait 1000 ms' "$LAB_TMP/withdraw.txt" || { echo "FAIL: analyze header does not say wait 1000 ms"; exit 1; }
if grep -q 'probes sent 0\b' "$LAB_TMP/withdraw.txt"; then echo "FAIL: analyze header says probes sent 0 (live: $sent)"; exit 1; fi
# and the text never cuts an AS name at a line end
python3 - "$LAB_TMP/withdraw.txt" "$SRC/tests/lab/lab-asn.csv" <<'PY'
import csv, sys
names = {row[3] for row in csv.reader(open(sys.argv[2]))}
for ln in open(sys.argv[1]):
    ln = ln.rstrip('\n')
    for n in names:
        if any(ln.endswith(n[:k]) for k in range(5, len(n))):
            print(f'FAIL: text cut mid-name: {ln[-80:]!r}'); sys.exit(1)
print('ok: analyze text header and lines whole')
PY
