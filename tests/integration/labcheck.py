#!/usr/bin/env python3
"""labcheck.py - checks pathmortem's JSON output against the lab's known topology (tests/lab/paths.tsv) and its truth (tests/lab/truth.tsv)."""
import ipaddress
import json
import os
import re
import sys
from collections import Counter, defaultdict

LAB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'lab')


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


# --- the lab truth (tests/lab/truth.tsv) ---

class Truth:
    """The scenarios of truth.tsv: setup and expected rows, with inheritance."""

    def __init__(self, path):
        self.scen = {}
        self.rows = defaultdict(list)
        for n, line in enumerate(open(path), 1):
            if line.startswith('#') or not line.strip():
                continue
            f = line.rstrip('\n').split('\t')
            where = f'{path}:{n}'
            if len(f) >= 5 and f[1] == 'scenario':
                self.scen[f[0]] = {'base': f[2], 'lab': f[3], 'faults': f[4],
                                   'text': f[5] if len(f) > 5 else ''}
            elif len(f) in (7, 8) and f[1] in ('target', 'prefix', 'upstream'):
                self.rows[f[0]].append({'scope': f[1], 'key': f[2], 'want': f[3:7],
                                        'counts': f[7] if len(f) == 8 else '', 'where': where})
            else:
                sys.exit(f'labcheck: {where}: bad truth row')
        for name, sc in self.scen.items():
            if sc['base'] != '-' and sc['base'] not in self.scen:
                sys.exit(f'labcheck: scenario {name}: no base scenario {sc["base"]}')

    def chain(self, name):
        if name not in self.scen:
            sys.exit(f'labcheck: no scenario "{name}" in truth.tsv (have: {", ".join(sorted(self.scen))})')
        out = []
        while name != '-' and name not in out:
            out.append(name)
            name = self.scen[name]['base']
        return out

    def variant(self, name):
        """'dense', 'onehop' or 'realistic': from the first LAB_OPTIONS along the chain."""
        for n in self.chain(name):
            opts = self.scen[n]['lab']
            if opts != '-':
                return 'onehop' if '--onehop' in opts else 'dense' if '--dense' in opts else 'realistic'
        return 'realistic'


def live_hosts():
    """PM_LIVE_HOSTS of topo.sh plus the two link addresses that answer in the /22."""
    text = open(os.path.join(LAB_DIR, 'topo.sh')).read()
    m = re.search(r'^PM_LIVE_HOSTS="([^"]*)"', text, re.M)
    if not m:
        sys.exit('labcheck: no PM_LIVE_HOSTS in topo.sh')
    return {ipaddress.ip_address(a) for a in m.group(1).split()} | \
        {ipaddress.ip_address('198.19.179.254'), ipaddress.ip_address('198.19.179.255')}


def key_match(key, addr_or_net, live):
    """Specificity (prefix length, selector) when KEY covers it, else None."""
    sel = None
    if ':' in key:
        sel, key = key.split(':', 1)
    net = ipaddress.ip_network(key)
    if isinstance(addr_or_net, ipaddress.IPv4Network):
        if sel or not addr_or_net.subnet_of(net):
            return None
    else:
        if addr_or_net not in net:
            return None
        if sel == 'live' and not live(addr_or_net) or sel == 'dark' and live(addr_or_net):
            return None
    return (net.prefixlen, 1 if sel else 0)


def pick(truth, name, scope, match):
    """The row deciding one target or roll-up: the first scenario of the chain
    with a covering row, then the most specific of its rows."""
    for n in truth.chain(name):
        best = None
        for r in truth.rows[n]:
            if r['scope'] != scope:
                continue
            sp = match(r['key'])
            if sp is not None and (best is None or sp > best[0]):
                best = (sp, r, n)
        if best:
            return best[1], best[2]
    return None, None


def asn_str(x):
    return '-' if x in (None, 0) else str(x)


def field_ok(got, want):
    return want == '*' or got in want.split('|')


def rollup_state(r):
    """The roll-up's network state; derived from its counts for an analyzer
    that does not write 'state' yet."""
    if 'state' in r:
        return r['state'], False
    reached, died = r.get('reached', 0), r.get('died', 0)
    if reached and not died:
        return 'reachable', True
    if died and not reached:
        return 'dead', True
    if died and reached:
        return 'partial', True
    return 'unknown', True


def cmd_truth(tsv, name, path, quiet=False):
    truth = Truth(tsv)
    doc = json.load(open(path))
    variant = truth.variant(name)
    hosts = live_hosts()

    def live(a):
        return variant != 'realistic' or a in hosts

    diffs, n_t, n_p, n_u, derived = [], 0, 0, 0, False
    kinds = Counter()   # "target status died, truth host-absent" -> how many
    for t in doc['targets']:
        a = ipaddress.ip_address(t['dst'])
        row, sc = pick(truth, name, 'target', lambda k: key_match(k, a, live))
        if row is None:
            diffs.append(f"target {t['dst']}: no truth row in scenario {name}")
            continue
        v = t['verdict']
        got = [v.get('status'), v.get('kind') or '-', asn_str((v.get('dies_in') or {}).get('asn')),
               asn_str((v.get('upstream') or {}).get('asn'))]
        for g, w, what in zip(got, row['want'], ('status', 'kind', 'dies_in', 'upstream')):
            if not field_ok(g, w):
                kinds[f"target ({'live' if live(a) else 'dark'}) {what} {g}, truth {w}"] += 1
                diffs.append(f"target {t['dst']} ({'live' if live(a) else 'dark'}): {what} {g}, truth {w} "
                             f"({row['where']}, scenario {sc}); verdict: rule {v.get('rule', '?')}, "
                             f"evidence {json.dumps(v.get('evidence', [])[:2])[:300]}")
                break
        n_t += 1
    summ = doc.get('summary') or {}
    for scope, items in (('prefix', summ.get('by_prefix') or []), ('upstream', summ.get('by_upstream') or [])):
        seen = set()
        for r in items:
            if scope == 'prefix':
                net = ipaddress.ip_network(r['prefix'], strict=False)
                row, sc = pick(truth, name, 'prefix', lambda k: key_match(k, net, live))
            else:
                row, sc = pick(truth, name, 'upstream', lambda k: 1 if k == r['key'] else 0 if k == '*' else None)
                if row is not None and row['key'] != '*':
                    seen.add(row['key'])
            label = f"{scope} {r['key']}"
            if row is None:
                kinds[f'{scope} not in the truth'] += 1
                diffs.append(f'{label}: not in the truth of scenario {name} (reached {r.get("reached")}, died {r.get("died")})')
                continue
            state, der = rollup_state(r)
            derived |= der
            death = r.get('death') or {}
            got = [state, death.get('kind') or '-', asn_str(death.get('asn')),
                   asn_str((r.get('upstream') or {}).get('asn'))]
            for g, w, what in zip(got, row['want'], ('state', 'death kind', 'dies_in', 'upstream')):
                if not field_ok(g, w):
                    kinds[f'{scope} {what} {g}, truth {w}'] += 1
                    diffs.append(f"{label}: {what} {g}{' (derived from counts)' if der and what == 'state' else ''}, "
                                 f"truth {w} ({row['where']}, scenario {sc}); roll-up {json.dumps(r)[:300]}")
                    break
            else:
                # counts hold for a sweep of the whole roll-up (a /24 of 256 targets)
                full = scope == 'prefix' and r.get('total') == net.num_addresses
                for c in filter(None, row['counts'].split(',') if full else []):
                    k, want = c.split('=')
                    if k in r and str(r[k]) != want:
                        diffs.append(f'{label}: {k} {r[k]}, truth {want} ({row["where"]})')
            if scope == 'prefix':
                n_p += 1
            else:
                n_u += 1
    # upstreams the truth names must be there unless 'absent' is allowed
    for n in truth.chain(name):
        for row in truth.rows[n]:
            if row['scope'] == 'upstream' and row['key'] != '*' and row['key'] not in seen:
                first = pick(truth, name, 'upstream', lambda k: 0 if k == row['key'] else None)[0]
                if first is row and not field_ok('absent', row['want'][0]):
                    diffs.append(f"upstream {row['key']}: absent from the run, truth {row['want'][0]} ({row['where']})")
    note = ' (network states derived from counts: the JSON has no "state")' if derived else ''
    if diffs:
        print(f'FAIL: scenario {name}: {len(diffs)} difference(s) from the lab truth{note}; the first:')
        print('  ' + diffs[0])
        if not quiet:
            for d in diffs[1:4]:
                print('  then: ' + d)
            print('  by kind: ' + '; '.join(f'{k} (x{v})' for k, v in kinds.most_common(8)))
        sys.exit(1)
    print(f'ok: scenario {name}: {n_t} targets, {n_p} prefixes, {n_u} upstreams as in the lab truth{note}')


def cmd_scenario(tsv, name):
    """Prints the setup of a scenario for bash: line 1 the lab options, then one fault a line."""
    truth = Truth(tsv)
    chain = truth.chain(name)
    sc = truth.scen[name]
    print(next((truth.scen[n]['lab'] for n in chain if truth.scen[n]['lab'] != '-'), '-'))
    for f in sc['faults'].split(';'):
        if f.strip() and f.strip() != '-':
            print(f.strip())


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
    elif cmd == 'truth':
        cmd_truth(args[0], args[1], args[2])
    elif cmd == 'scenario':
        cmd_scenario(args[0], args[1])
    else:
        sys.exit('usage: labcheck.py healthy|verdicts|same|mixing|truth|scenario ...')
