#!/usr/bin/env bash
# verdict_ecmp_classic.sh - issue 9 failure 7: ECMP over cu2a/cu2b with UDP refused by cu2b; UDP probes, classic and flow-stable, keep the Russian /24s on AS20485 and show the China side partial; live and from the pcap.
. "$(dirname "$0")/common.sh" "$1"
# Realistic variant.
scenario_up ecmp-udp-filter
for mode in paris classic; do
  extra=()
  [ $mode = paris ] || extra=(--classic)
  sweep "udp-$mode" --method udp "${extra[@]}" lab-starjv
  truth "$LAB_TMP/udp-$mode.json"
  pm analyze --format json -o "$LAB_TMP/udp-$mode-pcap.json" "$LAB_TMP/udp-$mode.pcap" || [ $? -le 2 ]
  truth "$LAB_TMP/udp-$mode-pcap.json"
done
