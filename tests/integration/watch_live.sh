#!/usr/bin/env bash
# watch_live.sh - the live view under tmux in the lab: pathmortem watch runs in the vantage namespace, keys go in with send-keys, the screen is read with capture-pane: hops, ASNs and AS names against paths.tsv, loss, the verdict line; pause freezes the figures; a route withdrawn mid-run turns the verdict line; verdict view, reset, the pcap so far, quit.
. "$(dirname "$0")/common.sh" "$1"
command -v tmux >/dev/null || { echo "SKIP: tmux is missing (scripts/bootstrap.sh installs it)" >&2; exit 77; }
lab_up
# a real name server (nsd) for the hop names (lab.sh down stops it)
"$SRC/tests/lab/dns.sh" up "$LAB_PREFIX"
# a server of our own (-L): other tmux servers on the machine are never touched
SOCK=pmwatch-$$-$RANDOM
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; lab_cleanup' EXIT
DST=198.19.176.8
IFS=, read -r -a HOPS <<<"$(lab_expect_hops upstream $DST)"
IFS=, read -r -a ASNS <<<"$(lab_expect upstream $DST addr_asns)"
fail() { echo "FAIL: $*" >&2; echo "--- screen:" >&2; screen >&2; exit 1; }
screen() { tmux -L "$SOCK" capture-pane -p -t watch 2>/dev/null; }
# wait_for ERE SECONDS: until a line of the screen matches
wait_for() {
  local i
  for ((i = 0; i < $2 * 5; i++)); do
    screen | grep -qE -- "$1" && return 0
    sleep 0.2
  done
  fail "no line matching '$1' within $2 s"
}
row() { screen | grep -E "^ ?$1\. " | head -1 || true; }
# the Sent column of hop N (the address columns have no spaces inside; the AS name may)
sent_of() { row "$1" | grep -oE '[0-9.]+% +[0-9]+' | awk '{print $2}' || true; }

tmux -L "$SOCK" new-session -d -s watch -x 160 -y 45 \
  "$LAB_SH exec $LAB_PREFIX vp $BUILD/pathmortem watch --asn-db $LAB_TMP/lab-asn.mmdb --geo-db $LAB_TMP/lab-city.mmdb -w $LAB_TMP/live.pcap $DST; echo \$? >$LAB_TMP/rc; sleep 60"

# 1. the healthy path: the verdict line on top, every hop with its ASN and AS name, no loss
wait_for "^verdict: $DST: reached at hop ${#HOPS[@]} via CHINA UNICOM China169 Backbone \(AS4837\)" 30
wait_for "cycle [3-9]" 15
for i in "${!HOPS[@]}"; do
  n=$((i + 1))
  r=$(row $n)
  [[ $r == *" ${HOPS[$i]} "* ]] || fail "hop $n: want ${HOPS[$i]}, row '$r'"
  [[ $r == *" AS${ASNS[$i]} "* ]] || fail "hop $n: want AS${ASNS[$i]}, row '$r'"
  [[ $r == *" 0.0% "* ]] || fail "hop $n: want no loss on the healthy path, row '$r'"
done
for name in LAB-ACCESS LAB-TRANSIT "CHINA UNICOM China169" "Star Joint Venture"; do
  screen | grep -q "$name" || fail "no AS name '$name' on the screen"
done
# names from reverse DNS, as the lab's PTR records have them; kpbr has none (NXDOMAIN): no name
wait_for '^Hop Address +Name +ASN' 10
while read -r addr name; do
  for i in "${!HOPS[@]}"; do
    [ "${HOPS[$i]}" = "$addr" ] || continue
    wait_for "^ ?$((i + 1))\. ${addr//./\\.} +$name " 10
  done
done < <("$SRC/tests/lab/dns.sh" ptr)
[[ $(row 6) =~ ^\ 6\.\ 198\.18\.20\.5\ +AS4837 ]] || fail "hop 6 (no PTR) should show no name: '$(row 6)'"
echo "ok: ${#HOPS[@]} hops with names, ASNs and AS names as in paths.tsv and the PTR records, no loss, verdict reached via AS4837"

# 1b. a screenshot of the live view (issue 15): the pane with its colours and attributes
# (capture-pane -e) as an HTML page, rendered by Chromium into build/screenshots/watch.png;
# no line wider than the pane, the key content (verdict, every hop, its ASN, names) on the
# rendered page, nothing on it wider than the window
. "$SRC/tests/golden/cli/shoot.sh"
SHOT_OK=$( (shoot_init "$LAB_TMP") && echo yes) || true
[ "$SHOT_OK" = yes ] || fail "no chromium for the live view's screenshot: $SHOT_OK"
shoot_init "$LAB_TMP"
pane_w=$(tmux -L "$SOCK" display -p -t watch '#{pane_width}')
tmux -L "$SOCK" capture-pane -e -p -t watch >"$LAB_TMP/pane.ansi"
screen >"$LAB_TMP/pane.txt"
python3 - "$LAB_TMP/pane.ansi" "$LAB_TMP/pane.txt" "$pane_w" >"$LAB_TMP/watch.html" <<'PY' || fail "the live view's text is wider than its pane"
import html, re, sys
ansi, text, width = open(sys.argv[1]).read(), open(sys.argv[2]).read(), int(sys.argv[3])
assert max(len(l) for l in text.split("\n")) <= width, "a line wider than the pane"
out, bold, rev, dim = [], False, False, False
for part in re.split(r"(\x1b\[[0-9;]*m)", ansi):
    m = re.fullmatch(r"\x1b\[([0-9;]*)m", part)
    if m:
        for c in (m.group(1) or "0").split(";"):
            c = int(c or 0)
            if c == 0: bold = rev = dim = False
            elif c == 1: bold = True
            elif c == 2: dim = True
            elif c == 7: rev = True
            elif c == 22: bold = dim = False
            elif c == 27: rev = False
        continue
    style = ("font-weight:bold;" if bold else "") + ("opacity:0.6;" if dim else "") + \
            ("background:#ddd;color:#000;" if rev else "")
    out.append('<span style="%s">%s</span>' % (style, html.escape(part)) if style else html.escape(part))
print('<!doctype html><html><body style="margin:0;background:#111;color:#eee">'
      '<pre style="font:13px monospace;margin:0;padding:4px">%s</pre></body></html>' % "".join(out))
PY
mkdir -p "$BUILD/screenshots"
shoot "$LAB_TMP/watch.html" "$BUILD/screenshots/watch.png"
shot_check watch "$BUILD/screenshots/watch.png" || fail "the live view's screenshot"
for want in "verdict: $DST: reached at hop ${#HOPS[@]}" "${HOPS[@]:0:${#HOPS[@]}-1}" "AS${ASNS[0]}" "AS${ASNS[2]}" \
  xe-0-1-0.bjs-cu.chinaunicom.example "keys: q quit"; do
  grep -qF -- "$want" "$SHOT_TMP/dom.html" || fail "the live view's screenshot lacks '$want'"
done
echo "ok: the live view rendered by Chromium: $BUILD/screenshots/watch.png (pane $pane_w columns), verdict, hops, ASNs and names on it"

# 2. pause: the figures stay as they are, then move again after resume
tmux -L "$SOCK" send-keys -t watch p
wait_for '\[paused\]' 5
sleep 0.5
s1=$(sent_of 1) c1=$(screen | grep -oE '\([0-9]+ counted\)')
sleep 3
s2=$(sent_of 1) c2=$(screen | grep -oE '\([0-9]+ counted\)')
[ "$s1" = "$s2" ] && [ "$c1" = "$c2" ] || fail "paused, yet hop 1 sent went $s1 -> $s2 and cycles $c1 -> $c2"
screen | grep -E '^ ?[0-9]+\. ' | grep -vq ' 0.0% ' && fail "a pause showed loss"
tmux -L "$SOCK" send-keys -t watch p
wait_for 'resumed' 5
sleep 2.5
s3=$(sent_of 1)
[ "$s3" -gt "$s2" ] || fail "resumed, yet hop 1 sent stayed at $s3"
echo "ok: pause froze hop 1 at $s2 probes for 3 s with no loss shown; resume went on ($s3)"

# 3. a route withdrawn mid-run: the verdict line turns, hop 4 shows !N
lab_fault withdraw cu2a >/dev/null 2>&1
wait_for "^verdict: $DST: died \(net-unreachable\) in CHINA UNICOM China169 Backbone \(AS4837\) after 198\.18\.17\.1 \(hop 4\)" 20
[[ $(row 4) == *" 198.18.17.1 !N "* ]] || fail "hop 4 lacks 198.18.17.1 !N: '$(row 4)'"
echo "ok: withdraw cu2a turned the verdict line to net-unreachable at 198.18.17.1 (hop 4)"

# 4. the verdict view and back
tmux -L "$SOCK" send-keys -t watch v
wait_for '^rule: unreach' 5
wait_for '^evidence: 198\.18\.17\.1 .*net-unreachable' 5
tmux -L "$SOCK" send-keys -t watch v
wait_for '^Hop Address' 5
echo "ok: v shows the rule and evidence, and back"

# 5. the pcap so far: a real capture of several cycles (analyze names their runs)
tmux -L "$SOCK" send-keys -t watch w
wait_for "pcap so far written to $LAB_TMP/live.pcap \([0-9]+ bytes\)" 10
cp "$LAB_TMP/live.pcap" "$LAB_TMP/sofar.pcap"
rc=0
out=$("$BUILD/pathmortem" analyze "$LAB_TMP/sofar.pcap" 2>&1) || rc=$?
[ $rc = 65 ] && [[ $out == *"pathmortem runs"*"--run ID"* ]] || fail "the pcap so far is no pathmortem capture of several runs: $out"
echo "ok: w wrote the pcap so far ($(stat -c %s "$LAB_TMP/sofar.pcap") bytes, several runs)"

# 6. repaired: back to reached; reset: the counts start again
lab_repair withdraw cu2a >/dev/null 2>&1
wait_for "^verdict: $DST: reached at hop ${#HOPS[@]}" 20
tmux -L "$SOCK" send-keys -t watch r
wait_for 'figures reset' 5
s4=$(sent_of 1)
[ -z "$s4" ] || [ "$s4" -le 2 ] || fail "after reset hop 1 still shows $s4 probes"
wait_for '^ ?1\. 198\.18\.0\.1 ' 5
echo "ok: repair brought the verdict back to reached; reset cleared the figures"

# 7. quit: exit 0, the whole session's pcap in place, no temp file left
tmux -L "$SOCK" send-keys -t watch q
for ((i = 0; i < 50; i++)); do [ -s "$LAB_TMP/rc" ] && break; sleep 0.2; done
[ "$(cat "$LAB_TMP/rc" 2>/dev/null)" = 0 ] || fail "q: exit status '$(cat "$LAB_TMP/rc" 2>/dev/null)', want 0"
[ "$(stat -c %s "$LAB_TMP/live.pcap")" -gt "$(stat -c %s "$LAB_TMP/sofar.pcap")" ] || fail "the session's pcap is not bigger than the copy"
ls -a "$LAB_TMP" | grep -q '\.tmp$' && fail "temp files left: $(ls -a "$LAB_TMP")"
echo "ok: q exits 0 with the whole session's pcap in place"

# 8. a preset: the per-/24 and per-upstream lines on top, the hop table under them
tmux -L "$SOCK" kill-session -t watch 2>/dev/null || true
rm -f "$LAB_TMP/rc"
tmux -L "$SOCK" new-session -d -s watch -x 200 -y 50 \
  "$LAB_SH exec $LAB_PREFIX vp $BUILD/pathmortem watch --asn-db $LAB_TMP/lab-asn.mmdb --geo-db $LAB_TMP/lab-city.mmdb --no-pcap --rate 5000 --wait 1 lab-starjv; echo \$? >$LAB_TMP/rc; sleep 60"
wait_for '^pathmortem watch lab-starjv \(icmp, 1024 targets\)' 10
# screen FILE: the two tables, none mixing the China path (cu1 198.18.16.0, cu2a .17.1) and the
# Russian one (rt1 .32.0, ttk1 .48.0, ttk2 .52.1)
cat >"$LAB_TMP/sections.py" <<'PY'
import re, sys
sec, seen = None, {}
for line in open(sys.argv[1]):
    m = re.match(r"^via .*\(AS(\d+)\)$", line.strip())
    if m:
        sec = m.group(1)
        continue
    m = re.match(r"^ ?(\d+)\. (\d+\.\d+\.\d+\.\d+) ", line) or re.match(r"^    ()(\d+\.\d+\.\d+\.\d+) ", line)
    if sec and m:
        seen.setdefault(sec, set()).add(m.group(2))
cu, ttk = seen.get("4837", set()), seen.get("20485", set())
# the China path (cu1 198.18.16.0, cu2a .17.1) and the Russian one (rt1 .32.0, ttk1 .48.0, ttk2 .52.1)
assert {"198.18.16.0", "198.18.17.1"} <= cu and not cu & {"198.18.32.0", "198.18.48.0", "198.18.52.1"}, cu
assert {"198.18.32.0", "198.18.48.0"} <= ttk and not ttk & {"198.18.16.0", "198.18.17.1"}, ttk
print("ok: per-upstream tables: AS4837", sorted(cu), "AS20485", sorted(ttk))
PY
# one hop table per upstream already in the first cycle (issue 15: that cycle had one table with
# both paths at each TTL): a target joins its upstream's table once its replies show it
first_ok=
for ((i = 0; i < 120; i++)); do
  screen >"$LAB_TMP/first.txt"
  grep -qE '   cycle 0 \(0 counted\)' "$LAB_TMP/first.txt" || break
  if grep -q '^via CHINA UNICOM China169 Backbone (AS4837)$' "$LAB_TMP/first.txt" &&
    grep -q '^via JSC TransTeleCom (AS20485)$' "$LAB_TMP/first.txt" &&
    python3 "$LAB_TMP/sections.py" "$LAB_TMP/first.txt" >"$LAB_TMP/first.ok" 2>"$LAB_TMP/sections.err"; then
    first_ok=1
    break
  fi
  sleep 0.1
done
[ -n "$first_ok" ] || { cat "$LAB_TMP/first.txt" "$LAB_TMP/sections.err" >&2; fail "the first cycle showed no per-upstream tables (or mixed them)"; }
echo "ok: first cycle (cycle 0 on screen): $(cat "$LAB_TMP/first.ok")"
for p in 176 177 178 179; do
  wait_for "^198\.19\.$p\.0/24 +(reachable|partial|dead) " 60
done
wait_for '^CHINA UNICOM China169 Backbone \(AS4837\) +(reachable|partial|dead) ' 5
wait_for '^JSC TransTeleCom \(AS20485\) +(reachable|partial|dead) ' 5
# and in the later cycles, from the last cycle's analysis
wait_for '^via CHINA UNICOM China169 Backbone \(AS4837\)$' 60
wait_for '^via JSC TransTeleCom \(AS20485\)$' 5
# the second table fills as the new cycle's replies for its targets arrive: look again for up to
# 15 s; a table that mixes the paths fails every look
ok=
for ((i = 0; i < 30; i++)); do
  screen >"$LAB_TMP/sections.txt"
  if python3 "$LAB_TMP/sections.py" "$LAB_TMP/sections.txt" 2>"$LAB_TMP/sections.err"; then ok=1; break; fi
  sleep 0.5
done
[ -n "$ok" ] || { cat "$LAB_TMP/sections.err"; fail "the per-upstream tables mix the paths"; }
tmux -L "$SOCK" send-keys -t watch q
for ((i = 0; i < 100; i++)); do [ -s "$LAB_TMP/rc" ] && break; sleep 0.2; done
[ "$(cat "$LAB_TMP/rc" 2>/dev/null)" = 0 ] || fail "q on lab-starjv: exit status '$(cat "$LAB_TMP/rc" 2>/dev/null)', want 0"
echo "ok: lab-starjv: 4 per-/24 lines and 2 per-upstream lines over one hop table per upstream; q ends it mid-cycle"
