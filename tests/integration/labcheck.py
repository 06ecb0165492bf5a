#!/usr/bin/env python3
"""labcheck.py - checks pathmortem's JSON output against the lab's known topology (tests/lab/paths.tsv)."""
import ipaddress
import json
import sys
from collections import Counter, defaultdict


def load_paths(tsv, mode):
    rows = []
    for line in open(tsv):
        if line.startswith('#') or not line.strip():
            continue
        m, prefix, up, hops, routers, aa, oa = line.rstrip('\n').split('\t')
        if m == mode:
            rows.append((ipaddress.ip_network(prefix), int(up), hops.split(',')))
    return rows


def expected(rows, dst):
    best = None
    for net, up, hops in rows:
        if ipaddress.ip_address(dst) in net and (best is None or net.prefixlen > best[0].prefixlen):
            best = (net, up, hops)
    if best is None:
        sys.exit(f'labcheck: no expected path for {dst}')
    return best[1], [dst if h == 'target' else h for h in best[2]]


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def router_hops(t):
    """ttl -> set of addresses that answered time-exceeded there."""
    out = defaultdict(set)
    for h in t['hops']:
        for r in h['replies']:
            if r['icmp_type'] == 11:
                out[h['ttl']].add(r['from'])
    return out


def cmd_healthy(tsv, mode, path, want_n):
    doc = json.load(open(path))
    rows = load_paths(tsv, mode)
    targets = doc['targets']
    if len(targets) != want_n:
        fail(f'{len(targets)} targets in the output, expected {want_n}')
    full_per_24 = Counter()
    for t in targets:
        up, hops = expected(rows, t['dst'])
        if t['stop'] != 'reached':
            fail(f"{t['dst']}: stop {t['stop']}, expected reached")
        v = t['verdict']
        if v['status'] != 'reached':
            fail(f"{t['dst']}: verdict {v['status']}")
        if v['upstream']['asn'] != up:
            fail(f"{t['dst']}: upstream AS{v['upstream']['asn']}, expected AS{up}")
        reached_at = min((h['ttl'] for h in t['hops'] for r in h['replies'] if r['from'] == t['dst']), default=0)
        if reached_at != len(hops):
            fail(f"{t['dst']}: reached at hop {reached_at}, expected {len(hops)}")
        seen = router_hops(t)
        for ttl, addrs in seen.items():
            if ttl > len(hops) - 1 or addrs != {hops[ttl - 1]}:
                fail(f"{t['dst']}: hop {ttl} answered by {sorted(addrs)}, expected {hops[ttl - 1] if ttl <= len(hops) else 'nothing'}")
        shared = t.get('shared_below_ttl') or 1
        for ttl in range(shared, len(hops)):
            if ttl not in seen:
                fail(f"{t['dst']}: hop {ttl} ({hops[ttl - 1]}) missing")
        if shared <= 1:
            full_per_24[t['dst'].rsplit('.', 1)[0]] += 1
    nets = {t['dst'].rsplit('.', 1)[0] for t in targets}
    for n in nets:
        if not full_per_24[n]:
            fail(f'no target of {n}.0/24 has its whole path probed')
    print(f'ok: {len(targets)} targets, every hop as in {mode} topology, {len(nets)} /24s with a full path')


def cmd_verdicts(path, spec):
    """spec: PREFIX=status:kind:dies_in_asn:upstream_asn[:last_hop_addr] (fields may be '*')."""
    doc = json.load(open(path))
    want = {}
    for item in spec:
        pfx, rule = item.split('=')
        fields = rule.split(':')
        want[ipaddress.ip_network(pfx)] = fields + ['*'] * (5 - len(fields))
    checked = 0
    for t in doc['targets']:
        for net, rule in want.items():
            if ipaddress.ip_address(t['dst']) not in net:
                continue
            v = t['verdict']
            got = [v['status'], v['kind'], str(v['dies_in']['asn']), str(v['upstream']['asn']),
                   str((v.get('last_hop') or {}).get('addr'))]
            for g, w, name in zip(got, rule, ('status', 'kind', 'dies_in', 'upstream', 'last_hop')):
                if w != '*' and g != w:
                    fail(f"{t['dst']}: {name} {g}, expected {w} (verdict {json.dumps(v)[:400]})")
            checked += 1
    if not checked:
        fail('no target matched the expected verdicts')
    print(f'ok: {checked} verdicts as expected')


def strip_run(doc):
    doc = dict(doc)
    doc.pop('run', None)
    return doc


def first_diff(x, y, path=''):
    """Where two JSON values first differ, as a path."""
    if type(x) != type(y):
        return f'{path}: {json.dumps(x)[:200]} != {json.dumps(y)[:200]}'
    if isinstance(x, dict):
        for k in sorted(set(x) | set(y)):
            if k not in x or k not in y:
                return f'{path}.{k}: only in one of them'
            d = first_diff(x[k], y[k], f'{path}.{k}')
            if d:
                return d
        return None
    if isinstance(x, list):
        for i, (u, v) in enumerate(zip(x, y)):
            d = first_diff(u, v, f'{path}[{i}]')
            if d:
                return d
        return f'{path}: {len(x)} != {len(y)} items' if len(x) != len(y) else None
    return None if x == y else f'{path}: {json.dumps(x)[:200]} != {json.dumps(y)[:200]}'


def cmd_same(a, b):
    da, db = strip_run(json.load(open(a))), strip_run(json.load(open(b)))
    if da != db:
        fail(f'live and pcap analysis differ at {first_diff(da, db)}')
    print(f"ok: live and pcap analysis agree on {len(da['targets'])} targets, their verdicts and the roll-ups")


def cmd_paths_per_target(path, want_max, want_min_total):
    """Distinct router sequences per target: flow-stable probes must show one per target."""
    doc = json.load(open(path))
    worst, total = 0, set()
    for t in doc['targets']:
        per_ttl = router_hops(t)
        distinct = max((len(a) for a in per_ttl.values()), default=0)
        worst = max(worst, distinct)
        for ttl, addrs in per_ttl.items():
            total.update((ttl, a) for a in addrs)
    print(f'max responders at one hop of one target: {worst}; distinct (hop, router) pairs: {len(total)}')
    if int(want_max) and worst > int(want_max):
        fail(f'a target shows {worst} different routers at one hop (flow-stable probes must show 1)')
    if int(want_min_total) and worst < int(want_min_total):
        fail(f'no target shows mixing ({worst} < {want_min_total})')
    print('ok')


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'healthy':
        cmd_healthy(args[0], args[1], args[2], int(args[3]))
    elif cmd == 'verdicts':
        cmd_verdicts(args[0], args[1:])
    elif cmd == 'same':
        cmd_same(args[0], args[1])
    elif cmd == 'mixing':
        cmd_paths_per_target(args[0], args[1], args[2])
    else:
        sys.exit('usage: labcheck.py healthy|verdicts|same|mixing ...')
