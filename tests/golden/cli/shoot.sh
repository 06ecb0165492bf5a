# shoot.sh - sourced: a page rendered by headless Chromium (offline, in a network namespace of its own) into a PNG, and the check that nothing on it is wider than the window; used by golden.screenshots and the lab's timeline and live-view screenshots.
# shoot_init WORKDIR: finds Chromium (SHOT_CHROMIUM; exit 77 when missing or without namespaces)
shoot_init() {
    SHOT_TMP=$1
    SHOT_CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
    if [ -z "$SHOT_CHROMIUM" ]; then
        echo "SKIP: no chromium (scripts/bootstrap.sh installs it)"
        exit 77
    fi
    if ! unshare -n true 2>/dev/null; then
        echo "SKIP: cannot make a network namespace for Chromium (needs root)"
        exit 77
    fi
}

# shoot PAGE.html OUT.png: a screenshot of a 1280 px window, and $SHOT_TMP/dom.html, the DOM after
# the check ran: the page's own width, and any element reaching past it outside a scrolling box
shoot() {
    local page=$1 png=$2
    cp "$page" "$SHOT_TMP/check.html"
    cat >>"$SHOT_TMP/check.html" <<'JS'
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
        --user-data-dir="$SHOT_TMP/profile" --window-size=1280,900)
    HOME=$SHOT_TMP timeout 120 unshare -n "$SHOT_CHROMIUM" "${common[@]}" --screenshot="$png" \
        "file://$SHOT_TMP/check.html" >/dev/null 2>&1
    HOME=$SHOT_TMP timeout 120 unshare -n "$SHOT_CHROMIUM" "${common[@]}" --dump-dom "file://$SHOT_TMP/check.html" \
        2>/dev/null >"$SHOT_TMP/dom.html"
}

# shot_check NAME OUT.png: after shoot, prints one line per failed check ("FAIL: ...") and
# returns the number of failures: a PNG of the window's width, the page no wider than the
# window, no element past it
shot_check() {
    local name=$1 png=$2 n=0 w check page_w view_w
    if [ -s "$png" ] && [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
        w=$(od -An -tu1 -j16 -N4 "$png" | awk '{print $1*16777216 + $2*65536 + $3*256 + $4}')
        [ "$w" = 1280 ] || { echo "FAIL: $name.png is $w px wide, not 1280"; n=$((n + 1)); }
    else
        echo "FAIL: $name: no screenshot"
        return 1
    fi
    check=$(grep -o 'data-check="[^"]*"' "$SHOT_TMP/dom.html" | head -1)
    [ -n "$check" ] || { echo "FAIL: $name: the width check did not run"; return $((n + 1)); }
    page_w=$(echo "$check" | sed -E 's/.*page=([0-9]+).*/\1/')
    view_w=$(echo "$check" | sed -E 's/.*view=([0-9]+).*/\1/')
    [ "$page_w" -le "$view_w" ] || { echo "FAIL: $name: the page is $page_w px wide in a $view_w px window"; n=$((n + 1)); }
    echo "$check" | grep -q 'wide="$' || { echo "FAIL: $name: elements wider than the page: $check"; n=$((n + 1)); }
    return $n
}
