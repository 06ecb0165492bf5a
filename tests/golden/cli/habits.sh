#!/usr/bin/env bash
# habits.sh - traceroute's habits through the real binary: accepted ones get past the options, clashing ones are refused with one line naming the option meant, and the same failure has the same exit status. habits.sh PATHMORTEM
# Every case fails before a probe is sent; as root it still runs in an empty network namespace, so that a
# regression that let one through could not send anything.
set -u
bin=$(realpath "${1:?usage: habits.sh PATHMORTEM}")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pm-habits.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"   # the presets file is read after the drop to nobody
cd "$tmp" || exit 1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
wrap=${PM_WRAP:-}
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
    wrap="unshare -n $wrap"
fi
printf '[alpha]\ndescription = a\nprefixes = 198.19.176.0/24\n\n[bravo-lab]\ndescription = b\nprefixes = 198.19.177.0/24\n' >presets.conf
fail=0
pass=0

# check WANT_RC NEEDLE ARGS...: exit status WANT_RC, one line on stderr containing NEEDLE, nothing on stdout.
check() {
    local want=$1 needle=$2
    shift 2
    $wrap "$bin" "$@" >out 2>err
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

P="--presets presets.conf"
for cmd in trace snapshot; do
    # clashes
    check 64 "did you mean -W 1?" $cmd $P -w 1 198.19.177.5
    check 64 "did you mean -W 2.5?" $cmd $P 198.19.177.5 --write 2.5
    check 64 "did you mean -M 20?" $cmd $P -m 20 198.19.177.5
    check 64 "did you mean -m tcp 198.19.177.5?" $cmd $P -T 198.19.177.5
    check 64 "traceroute's TCP method is -m tcp" $cmd $P 198.19.177.5 -T
    check 64 "--no-pcap and -w x.pcap conflict" $cmd $P --no-pcap -w x.pcap 198.19.177.5
    check 64 "'alpah' is not a preset: did you mean 'alpha'? (presets: alpha, bravo-lab)" $cmd $P alpah
    check 64 "'nopreset' is not a preset (presets: alpha, bravo-lab)" $cmd $P nopreset
    # habits accepted: -n, -I, -U and options after the target reach the target check (the preset message)
    check 64 "did you mean 'alpha'?" $cmd $P alpah -n -q 1
    check 64 "did you mean 'alpha'?" $cmd $P alpah --numeric -I -M 12
    check 64 "did you mean 'alpha'?" $cmd alpah -U $P
    # and a bad value after the target is still caught
    check 64 "--queries '9' is invalid" $cmd $P 198.19.177.5 -q 9
done
[ -e 1 ] || [ -e x.pcap ] || [ -e 2.5 ] && { echo "FAIL: a refused run created a file"; fail=$((fail + 1)); }

# the same failure, the same status: an output in a missing directory is 73 (EX_CANTCREAT) for -o and -w
check 73 "cannot write $tmp/none/x.json" trace $P -o "$tmp/none/x.json" --no-pcap 198.19.177.5
check 73 "cannot write $tmp/none/x.pcap" trace $P -w "$tmp/none/x.pcap" 198.19.177.5

# a window that ends before it starts is refused the same way by every store reader
for cmd in history export; do
    check 64 "--since is after --until" $cmd --store "$tmp/none.db" --since 2026-12-02T00:00:00Z --until 2026-12-01T00:00:00Z
done

echo "cli habits: $pass passed, $fail failed"
[ "$fail" = 0 ]
