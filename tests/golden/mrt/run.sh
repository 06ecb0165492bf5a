#!/bin/sh
# run.sh - the MRT reader held against Debian's bgpdump: every record of every real sample printed identically by `pathmortem bgp dump` and `bgpdump -m`; bad files one line, their exit status.
set -u
PM=$1
DIR=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }
command -v bgpdump >/dev/null || { echo "bgpdump missing (scripts/bootstrap.sh installs it)"; exit 1; }

# 1. Identical output, record for record, on the good samples.
for f in bview.20020722.2337.first3000.gz bview.64k_stream_overflow.gz bview.ipv4_unicast_add_path.gz \
         bview.ipv6_unicast_add_path.gz updates.20020722.2238.gz updates.20070211.0141.first3000.bz2 \
         updates.20100722.2015.gz updates.20160811.1600.first2000.gz updates.et-header.2015.first400.gz \
         updates.long_withdrawal.gz rib.20140523.0600.first400.bz2 mrtparse.bird-mrtdump_bgp \
         mrtparse.bird-mrtdump_rib mrtparse.openbgpd_bgp mrtparse.quagga_bgp; do
    bgpdump -m "$DIR/$f" >"$T/ref" 2>/dev/null
    "$PM" bgp dump "$DIR/$f" >"$T/out" 2>"$T/err"; rc=$?
    n=$(wc -l <"$T/ref")
    [ "$rc" = 0 ] || bad "$f: exit $rc: $(cat "$T/err")"
    [ "$n" -gt 0 ] || bad "$f: bgpdump printed nothing"
    [ -s "$T/err" ] && bad "$f: unexpected stderr: $(cat "$T/err")"
    if cmp -s "$T/ref" "$T/out"; then
        echo "ok   $f: $n lines identical"
    else
        bad "$f: differs from bgpdump -m ($(diff "$T/ref" "$T/out" | grep -c '^[<>]') lines)"
        diff "$T/ref" "$T/out" | head -4
    fi
done

# 2. Records skipped and counted where the format allows (exit 0, one line).
skipped() { # FILE COUNT WHY
    "$PM" bgp dump "$1" >"$T/out" 2>"$T/err"; rc=$?
    [ "$rc" = 0 ] || bad "$1: exit $rc, want 0"
    [ "$(wc -l <"$T/err")" = 1 ] || bad "$1: want one line on stderr, got: $(cat "$T/err")"
    grep -q "$2 .*skipped.*$3" "$T/err" || bad "$1: want '$2 ... skipped ... $3', got: $(cat "$T/err")"
}
skipped "$DIR/updates.nlri_mask_trailing_bits.gz" "1 malformed" "byte offset 0: NLRI prefix past the end"
[ -s "$T/out" ] && bad "nlri_mask_trailing_bits: a route came out of a skipped record"
skipped "$DIR/bview.20140112.1600_3samples.bz2" "3 malformed" "before any PEER_INDEX_TABLE"
skipped "$DIR/mrtparse.bird_bgp" "6 malformed" "prefix length out of range"
# An unknown type before a good file: counted, the rest read.
printf '\000\000\000\001\000\143\000\000\000\000\000\004abcd' >"$T/unknown.mrt"
gzip -dc "$DIR/updates.20020722.2238.gz" >>"$T/unknown.mrt"
skipped "$T/unknown.mrt" "1 record(s) of types not decoded" ""
[ "$(wc -l <"$T/out")" = 3337 ] || bad "unknown.mrt: the records after the unknown one were not all read"

# 3. Files that cannot be framed further: one line with the file and byte offset, exit 65, no output kept.
refused() { # FILE WHY
    "$PM" bgp dump "$1" >"$T/out" 2>"$T/err"; rc=$?
    [ "$rc" = 65 ] || bad "$1: exit $rc, want 65"
    [ "$(wc -l <"$T/err")" = 1 ] || bad "$1: want one line on stderr, got: $(cat "$T/err")"
    grep -q "$1: byte offset [0-9]*: $2" "$T/err" || bad "$1: want '$2' with its byte offset, got: $(cat "$T/err")"
}
gzip -dc "$DIR/updates.20020722.2238.gz" | head -c 50000 >"$T/cut.mrt"
refused "$T/cut.mrt" "cut record"
head -c 12000 "$DIR/updates.20070211.0141.first3000.bz2" >"$T/cut.bz2"
refused "$T/cut.bz2" "decompression failed"
head -c 9000 "$DIR/updates.20020722.2238.gz" >"$T/cut.gz"
refused "$T/cut.gz" "decompression failed"
printf '\000\000\000\001\000\020\000\004\377\377\377\377' >"$T/huge.mrt"
refused "$T/huge.mrt" "record length 4294967295 is past the cap"
printf '\000\000\000\001\000\020' >"$T/header.mrt"
refused "$T/header.mrt" "cut record: the file ends inside an MRT header"
"$PM" bgp dump "$T/missing.mrt" 2>"$T/err"; rc=$?
[ "$rc" = 66 ] || bad "missing file: exit $rc, want 66"

[ "$fail" = 0 ] && echo "all MRT golden checks passed"
exit "$fail"
