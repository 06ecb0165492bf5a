#!/usr/bin/env bash
# screenshots.sh - the HTML report and the graph as headless Chromium renders them: screenshots made, key content on the page, nothing wider than a 1280 px page; screenshots.sh PATHMORTEM SOURCE_DIR [OUT_DIR]
set -u
bin=$(realpath "${1:?usage: screenshots.sh PATHMORTEM SOURCE_DIR [OUT_DIR]}")
src=$(realpath "${2:?usage: screenshots.sh PATHMORTEM SOURCE_DIR [OUT_DIR]}")
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
    echo "SKIP: no chromium (scripts/bootstrap.sh installs it)"
    exit 77
fi
if ! unshare -n true 2>/dev/null; then
    echo "SKIP: cannot make a network namespace for Chromium (needs root)"
    exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pm-shots.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
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

# Chromium, offline (a network namespace of its own: nothing to reach), as root without its sandbox
shoot() { # PAGE.html OUT.png: a screenshot, and the DOM after the check below ran
    local page=$1 png=$2
    cp "$page" "$tmp/check.html"
    # the check: the page's own width, and any element reaching past it outside a scrolling box
    cat >>"$tmp/check.html" <<'JS'
<script>
(function () {
  var W = document.documentElement.clientWidth, wide = [];
  document.querySelectorAll('body *').forEach(function (el) {
    for (var p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      var o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return;
    }
    var r = el.getBoundingClientRect();
    if (r.right > W + 1) wide.push(el.tagName.toLowerCase() + ':' + Math.round(r.right));
  });
  document.documentElement.setAttribute('data-check', 'page=' + document.documentElement.scrollWidth +
    ' view=' + W + ' wide=' + wide.slice(0, 5).join(','));
})();
</script>
JS
    local common=(--headless=new --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
        --user-data-dir="$tmp/profile" --window-size=1280,900)
    HOME=$tmp timeout 120 unshare -n "$chromium" "${common[@]}" --screenshot="$png" "file://$tmp/check.html" \
        >/dev/null 2>&1
    HOME=$tmp timeout 120 unshare -n "$chromium" "${common[@]}" --dump-dom "file://$tmp/check.html" \
        2>/dev/null >"$tmp/dom.html"
}

for page in report graph; do
    shoot "$tmp/$page.html" "$out/$page.png"
    # a PNG of the window's width
    if [ -s "$out/$page.png" ] && [ "$(head -c 8 "$out/$page.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
        w=$(od -An -tu1 -j16 -N4 "$out/$page.png" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
        [ "$w" = 1280 ] && pass=$((pass + 1)) || bad "$page.png is $w px wide, not 1280"
    else
        bad "$page: no screenshot"
    fi
    check=$(grep -o 'data-check="[^"]*"' "$tmp/dom.html" | head -1)
    [ -n "$check" ] || { bad "$page: the width check did not run"; continue; }
    page_w=$(echo "$check" | sed -E 's/.*page=([0-9]+).*/\1/')
    view_w=$(echo "$check" | sed -E 's/.*view=([0-9]+).*/\1/')
    [ "$page_w" -le "$view_w" ] && pass=$((pass + 1)) || bad "$page: the page is $page_w px wide in a $view_w px window"
    echo "$check" | grep -q 'wide="$' && pass=$((pass + 1)) || bad "$page: elements wider than the page: $check"
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
