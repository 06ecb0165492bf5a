#!/usr/bin/env bash
# watch_flags.sh - `pathmortem watch` refuses bad and conflicting flags with one line and exit 64, and a live view without a terminal with one line, all before a probe could be sent. watch_flags.sh PATHMORTEM
# As root every case runs in an empty network namespace, so that a regression that let one through
# could not send anything.
set -u
bin=$(realpath "${1:?usage: watch_flags.sh PATHMORTEM}")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pm-watchflags.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
cd "$tmp" || exit 1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
wrap=${PM_WRAP:-}
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
    wrap="unshare -n $wrap"
fi
fail=0
pass=0

# check WANT_RC NEEDLE ARGS...: exit status WANT_RC, one line on stderr containing NEEDLE, nothing on stdout.
check() {
    local want=$1 needle=$2
    shift 2
    $wrap "$bin" "$@" >out 2>err </dev/null
    local rc=$?
    if [ "$rc" != "$want" ]; then
        echo "FAIL: $*: exit $rc, want $want: $(head -c 300 err)"; fail=$((fail + 1)); return
    fi
    if [ "$(wc -l <err)" != 1 ] || ! grep -qF -- "$needle" err; then
        echo "FAIL: $*: stderr lacks '$needle' in one line: $(head -c 300 err)"; fail=$((fail + 1)); return
    fi
    if [ -s out ]; then
        echo "FAIL: $*: wrote to stdout"; fail=$((fail + 1)); return
    fi
    pass=$((pass + 1))
}

check 64 "--report '0' is invalid" watch --report 0 198.18.0.1
check 64 "--report 'x' is invalid" watch --report x 198.18.0.1
check 64 "--report '100001' is invalid" watch --report 100001 198.18.0.1
check 64 "--interval '-1' is invalid" watch --interval -1 198.18.0.1
check 64 "--interval 'soon' is invalid" watch --interval soon 198.18.0.1
check 64 "--format csv is not a watch format" watch --format csv 198.18.0.1
check 64 "--format html is not a watch format" watch --report 2 --format html 198.18.0.1
check 64 "-o r.txt writes a report: give --report N" watch -o r.txt 198.18.0.1
check 64 "--compare-methods belongs to trace" watch --compare-methods 198.18.0.1
check 64 "--verbose belongs to trace" watch --verbose 198.18.0.1
check 64 "no target given" watch --report 2
check 64 "unknown option" watch --bogus 198.18.0.1
check 64 "did you mean -W 1?" watch -w 1 198.18.0.1
check 64 "--no-pcap and -w x.pcap conflict" watch --no-pcap -w x.pcap 198.18.0.1
check 64 "--queries '9' is invalid" watch -q 9 198.18.0.1
# traceroute's habits as trace has them (issue 15): clashes named, a misspelled preset answered
# with the presets, -I/-n and options after the target accepted up to the preset check
printf '[alpha]\ndescription = a\nprefixes = 198.19.176.0/24\n' >presets.conf
check 64 "did you mean -M 20?" watch -m 20 198.18.0.1
check 64 "did you mean -m tcp 198.18.0.1?" watch -T 198.18.0.1
check 64 "'alpah' is not a preset: did you mean 'alpha'? (presets: alpha)" watch --report 1 --presets presets.conf alpah
check 64 "did you mean 'alpha'?" watch --report 1 -I -n alpah --presets presets.conf -U
check 64 "--queries '9' is invalid" watch --report 1 198.18.0.1 -q 9
# the live view without a terminal: one line pointing at --report, before any socket
check 64 "the live view needs a terminal (use --report N for a table)" watch --no-pcap 198.18.0.1
[ -e r.txt ] && { echo "FAIL: a refused run created r.txt"; fail=$((fail + 1)); }
"$bin" watch --help | grep -q -- '--report N' || { echo "FAIL: watch --help lacks --report"; fail=$((fail + 1)); }

echo "watch flags: $pass passed, $fail failed"
[ "$fail" = 0 ]
