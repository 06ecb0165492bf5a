#!/usr/bin/env bash
# demo.sh - README command 1: installs what is missing, builds, brings the network lab up, runs a real
# investigation of the lab's Star JV space during an injected outage, and tears the lab down.
#
#   sudo scripts/demo.sh            # China Unicom withdraws the Star JV routes inside its network
#   sudo scripts/demo.sh --healthy  # no fault
#   sudo scripts/demo.sh --fault "filter kpbr udp"   # any lab fault (see docs/lab.md), repeatable
#   sudo scripts/demo.sh --dense    # the dense lab (every address answers) instead of the realistic one
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

faults=("withdraw cu2a")
format=text
variant=()
while [ $# -gt 0 ]; do
  case "$1" in
    --healthy) faults=() ;;
    --fault) shift; [ "${faults[0]:-}" = "withdraw cu2a" ] && faults=(); faults+=("$1") ;;
    --format) shift; format=$1 ;;
    --dense) variant=(--dense) ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "demo.sh: unknown argument $1" >&2; exit 64 ;;
  esac
  shift
done

[ "$(id -u)" -eq 0 ] || { echo "demo.sh: run as root (it installs packages and creates network namespaces)" >&2; exit 77; }
scripts/bootstrap.sh
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

. tests/lab/lib.sh
lab_tmpdir
lab_up "${variant[@]}"
echo "demo: lab $LAB_PREFIX is up, ${variant[*]:-realistic} (namespaces $LAB_PREFIX-*, addresses in 198.18.0.0/15, nothing linked to this host)" >&2
# Its name server (nsd, PTR records named the way providers name interfaces): hop names by reverse DNS
tests/lab/dns.sh up "$LAB_PREFIX" >/dev/null &&
  echo "demo: the lab's name server is up (reverse DNS for the hops; one zone left silent, as a lame server)" >&2 ||
  echo "demo: the lab's name server did not start: hops are shown without names" >&2
# The lab's ASN/City databases map its blocks to the real networks (tests/lab/lab-asn.csv).
perl tests/lab/build-mmdb.pl "$LAB_TMP" >/dev/null
chmod 755 "$LAB_TMP"; chmod 644 "$LAB_TMP"/*.mmdb   # read after pathmortem drops to 'nobody'
for f in "${faults[@]}"; do
  # shellcheck disable=SC2086
  lab_fault $f
  echo "demo: injected fault: $f" >&2
done
pcap=$top/pathmortem-lab-demo.pcap
echo "demo: pathmortem trace lab-starjv (the lab's mirror of 175.45.176.0/22), from the vantage namespace" >&2
set +e
lab_exec vp "$top/build/pathmortem" trace --asn-db "$LAB_TMP/lab-asn.mmdb" --geo-db "$LAB_TMP/lab-city.mmdb" \
  --format "$format" -w "$pcap" --rate 2000 --wait 1 lab-starjv
rc=$?
set -e
echo "demo: exit status $rc (0 all reached, 1 some died, 2 all died); review later with:" >&2
echo "      build/pathmortem analyze --asn-db <lab db> $pcap" >&2
# 0/1/2 are verdicts, not failures of the demo
[ $rc -le 2 ] && exit 0 || exit $rc
