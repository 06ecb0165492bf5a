#!/usr/bin/env bash
# watch_report.sh - `pathmortem watch --report N` and `--format json` in the lab: N cycles, then per hop the address, ASN, sent, loss and RTTs against paths.tsv, the verdict of the last cycle (healthy, then a route withdrawn), a prefix's per-/24 and per-upstream lines, and the exit statuses.
. "$(dirname "$0")/common.sh" "$1"
lab_up
DST=198.19.177.5   # the TransTeleCom side
N=3

# the table: title with the cycles, the verdict line, one row per hop of the known path
rc=0
pm watch --report $N --no-pcap $DST >"$LAB_TMP/r.txt" || rc=$?
[ $rc = 0 ] || { echo "FAIL: watch --report on a healthy path exited $rc"; cat "$LAB_TMP/r.txt"; exit 1; }
grep -q "^pathmortem watch $DST (icmp, 1 target): $N cycles$" "$LAB_TMP/r.txt" || { echo "FAIL: title"; cat "$LAB_TMP/r.txt"; exit 1; }
grep -q "^verdict: $DST: reached at hop 7 via JSC TransTeleCom (AS20485)" "$LAB_TMP/r.txt" || { echo "FAIL: verdict line"; cat "$LAB_TMP/r.txt"; exit 1; }
IFS=, read -r -a HOPS <<<"$(lab_expect_hops upstream $DST)"
IFS=, read -r -a ASNS <<<"$(lab_expect upstream $DST addr_asns)"
for i in "${!HOPS[@]}"; do
  n=$((i + 1))
  grep -qE "^ ?$n\. ${HOPS[$i]//./\\.} +AS${ASNS[$i]} .* 0\.0% +$N " "$LAB_TMP/r.txt" ||
    { echo "FAIL: hop $n: want ${HOPS[$i]} AS${ASNS[$i]} 0.0% $N sent"; cat "$LAB_TMP/r.txt"; exit 1; }
done
[ "$(grep -cE '^ ?[0-9]+\. ' "$LAB_TMP/r.txt")" = ${#HOPS[@]} ] || { echo "FAIL: rows past the target"; cat "$LAB_TMP/r.txt"; exit 1; }
echo "ok: --report $N: ${#HOPS[@]} hops as in paths.tsv, $N sent each, no loss, verdict reached via AS20485"

# the same figures as JSON, checked field by field
pm watch --report $N --format json -w "$LAB_TMP/r.pcap" $DST >"$LAB_TMP/r.json"
python3 - "$LAB_TMP/r.json" "$N" "$(lab_expect_hops upstream $DST)" "$(lab_expect upstream $DST addr_asns)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
hops, asns = sys.argv[3].split(','), [int(a) for a in sys.argv[4].split(',')]
assert d['schema'] == 'pathmortem-watch/1' and d['cycles'] == n and d['method'] == 'icmp', d
assert [h['ttl'] for h in d['hops']] == list(range(1, len(hops) + 1)), [h['ttl'] for h in d['hops']]
for h, addr, asn in zip(d['hops'], hops, asns):
    a = h['addresses'][0]
    assert a['addr'] == addr and a['asn'] == asn, (h['ttl'], a, addr, asn)
    assert a['as_name'], h
    assert h['sent'] == n and h['received'] == n and h['loss_pct'] == 0.0, h
    assert 0 <= h['best_ms'] <= h['avg_ms'] <= h['worst_ms'], h
    assert h['jitter_ms'] is not None and h['jitter_ms'] >= 0, h
v = d['verdict']
assert v['status'] == 'reached' and v['upstream']['asn'] == 20485 and v['kind'] is None, v
assert v['lines'][0].startswith(d['hops'][-1]['addresses'][0]['addr'] + ': reached at hop 7'), v
print('ok: --format json: the same hops, sent, received, loss, RTT order and verdict')
PY
rc=0
out=$("$BUILD/pathmortem" analyze "$LAB_TMP/r.pcap" 2>&1) || rc=$?
[ $rc = 65 ] && [[ $out == *"holds $N pathmortem runs"* ]] || { echo "FAIL: the report's pcap should hold $N runs: $out"; exit 1; }
echo "ok: the pcap holds one run per cycle ($N)"

# --timeout ends the session (not each cycle), SIGINT too: the report of the cycles so far, exit 3, one line why
rc=0
pm watch --report 100 --timeout 3 --no-pcap $DST >"$LAB_TMP/t.txt" 2>"$LAB_TMP/t.err" || rc=$?
c=$(sed -nE 's/.*: ([0-9]+) cycles?$/\1/p' "$LAB_TMP/t.txt")
[ $rc = 3 ] && [ -n "$c" ] && [ "$c" -ge 1 ] && [ "$c" -le 4 ] && grep -q 'stopped by --timeout after' "$LAB_TMP/t.err" ||
  { echo "FAIL: --timeout 3: exit $rc, '$c' cycles, $(cat "$LAB_TMP/t.err")"; exit 1; }
rc=0
lab_exec vp timeout --preserve-status -s INT 2.5 "$BUILD/pathmortem" watch --asn-db "$LAB_TMP/lab-asn.mmdb" \
  --report 100 --no-pcap $DST >"$LAB_TMP/i.txt" 2>"$LAB_TMP/i.err" || rc=$?
[ $rc = 3 ] && grep -qE '^ ?1\. 198\.18\.0\.1 ' "$LAB_TMP/i.txt" && grep -q 'stopped by a signal after' "$LAB_TMP/i.err" ||
  { echo "FAIL: SIGINT: exit $rc, $(cat "$LAB_TMP/i.err")"; cat "$LAB_TMP/i.txt"; exit 1; }
echo "ok: --timeout 3 ends the session after $c cycles, SIGINT too: the report so far, exit 3"

# names: the PTR records of a real name server (nsd), null where there is none; -n asks none
"$SRC/tests/lab/dns.sh" up "$LAB_PREFIX"
pm watch --report 2 --format json --no-pcap 198.19.176.8 >"$LAB_TMP/n.json"
pm watch --report 2 --format json --no-pcap -n 198.19.176.8 >"$LAB_TMP/nn.json"
pm watch --report 2 --no-pcap -n 198.19.176.8 >"$LAB_TMP/nn.txt"
grep -q '^Hop Address  *ASN ' "$LAB_TMP/nn.txt" || { echo "FAIL: -n still shows a name column"; cat "$LAB_TMP/nn.txt"; exit 1; }
python3 - "$LAB_TMP/n.json" "$LAB_TMP/nn.json" <(tests_ptr=1 "$SRC/tests/lab/dns.sh" ptr) <<'PY'
import json, sys
ptr = dict(l.split() for l in open(sys.argv[3]) if l.strip())
named = 0
for h in json.load(open(sys.argv[1]))['hops']:
    for a in h['addresses']:
        assert a['name'] == ptr.get(a['addr']), (a['addr'], a['name'], ptr.get(a['addr']))
        named += a['name'] is not None
assert named >= 5, named
for h in json.load(open(sys.argv[2]))['hops']:
    assert all(a['name'] is None for a in h['addresses']), h
print('ok: names as the PTR records have them (%d hops named, none where there is no record); -n: none' % named)
PY

# a route withdrawn: the last cycle's verdict says where, exit status 2 (nothing of the target answered)
lab_fault withdraw cu2a >/dev/null 2>&1
rc=0
pm watch --report 2 --format json --no-pcap 198.19.176.8 >"$LAB_TMP/f.json" || rc=$?
[ $rc = 2 ] || { echo "FAIL: a dead path's report exited $rc, want 2"; exit 1; }
python3 - "$LAB_TMP/f.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); v = d['verdict']
assert v['status'] == 'died' and v['kind'] == 'net-unreachable', v
assert v['last_hop'] == '198.18.17.1' and v['last_ttl'] == 4 and v['dies_in']['asn'] == 4837, v
h4 = [h for h in d['hops'] if h['ttl'] == 4][0]['addresses'][0]
assert h4['addr'] == '198.18.17.1' and h4['mark'] == '!N', h4
print('ok: withdraw cu2a: died net-unreachable at 198.18.17.1 (hop 4, AS4837), hop 4 marked !N, exit 2')
PY

# a prefix under the same fault: the per-/24 and per-upstream lines of the last cycle, as truth.tsv's
# withdraw-cu scenario has them (the healthy realistic lab is left out here: back-to-back sweeps there
# sometimes read a TransTeleCom /24 as partial, with trace as with watch)
rc=0
pm watch --report 1 --format json --no-pcap --rate 5000 --wait 1 198.19.176.0/24 >"$LAB_TMP/p.json" || rc=$?
[ $rc = 2 ] || { echo "FAIL: watch 198.19.176.0/24 under withdraw cu2a exited $rc, want 2"; exit 1; }
python3 - "$LAB_TMP/p.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); v = d['verdict']
assert d['targets'] == 256, d['targets']
p = v['by_prefix']
assert [r['key'] for r in p] == ['198.19.176.0/24'] and p[0]['state'] == 'dead' and p[0]['reached'] == 0, p
assert '198.18.17.1' in p[0]['line'] and 'net-unreachable' in p[0]['line'] and 'AS4837' in p[0]['line'], p[0]['line']
u = v['by_upstream']
assert [r['key'] for r in u] == ['AS4837'] and u[0]['state'] == 'dead', u
assert v['lines'] == [p[0]['line'], u[0]['line']], v['lines']
print('ok: 198.19.176.0/24 under withdraw cu2a: dead, net-unreachable at 198.18.17.1 in AS4837, per /24 and upstream')
PY
