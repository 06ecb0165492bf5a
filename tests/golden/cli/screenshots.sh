#!/usr/bin/env bash
# screenshots.sh - the HTML report and the graph as headless Chromium renders them: screenshots made, key content on the page, nothing wider than a 1280 px page; screenshots.sh PATHMORTEM SOURCE_DIR [OUT_DIR]
set -u
bin=$(realpath "${1:?usage: screenshots.sh PATHMORTEM SOURCE_DIR [OUT_DIR]}")
src=$(realpath "${2:?usage: screenshots.sh PATHMORTEM SOURCE_DIR [OUT_DIR]}")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pm-shots.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/golden/cli/shoot.sh"
shoot_init "$tmp"
out=${3:-$tmp}
mkdir -p "$out"
fail=0
pass=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# a run of the golden corpus with a death, several hops and two /24s
pcap=$src/tests/golden/pcap/ok_icmp_eth.pcap
"$bin" analyze --format html -o "$tmp/report.html" "$pcap" 2>/dev/null
"$bin" analyze --format svg -o "$tmp/graph.svg" "$pcap" 2>/dev/null
[ -s "$tmp/report.html" ] && [ -s "$tmp/graph.svg" ] || { bad "analyze wrote no HTML or SVG"; exit 1; }
# the graph on a page of its own, as a browser opens an .svg file
printf '<!doctype html><html><body style="margin:0">%s</body></html>\n' "$(sed '1,/<svg/{/<svg/!d}' "$tmp/graph.svg")" \
    >"$tmp/graph.html"

for page in report graph; do
    shoot "$tmp/$page.html" "$out/$page.png"
    msgs=$(shot_check "$page" "$out/$page.png")
    nf=$?
    [ -n "$msgs" ] && echo "$msgs"
    fail=$((fail + nf))
    pass=$((pass + 3 - nf))
done

# key content, as rendered (the DOM after layout): what the run's JSON holds (its /24s, every
# router that answered, the verdicts) and the graph's legend
"$bin" analyze --format json -o "$tmp/run.json" "$pcap" 2>/dev/null
shoot "$tmp/report.html" "$out/report.png"
while read -r want; do
    grep -qF -- "$want" "$tmp/dom.html" && pass=$((pass + 1)) || bad "report: '$want' is not on the page"
done < <(python3 - "$tmp/run.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("pathmortem report")
print("red octagon: where paths die")
for r in d["summary"]["by_prefix"]:
    print(r["key"] if "key" in r else r["prefix"])
seen = set()
for t in d["targets"]:
    for h in t["hops"]:
        for r in h["replies"]:
            if r["from"] != t["dst"]:  # the routers; reached targets are listed by range
                seen.add(r["from"])
for a in sorted(seen):
    print(a)
PY
)

echo "screenshots: $pass checks passed, $fail failed (PNGs in $out)"
[ "$fail" = 0 ]
