#!/usr/bin/env bash
# verdict_hop1.sh - issue 9 failure 8: a large sweep (8192 one-hop targets) where the first router answers net-unreachable under the route error limit: every dark target dies at hop 1 in AS64500, none "no hop answered"; live and from the pcap.
. "$(dirname "$0")/common.sh" "$1"
# One-hop lab: r1 routes only 198.19.176.0/22; 198.19.160.0/19 holds it and 7168 addresses r1 has no route for.
scenario_up hop1-dark
sweep hop1 --rate 20000 198.19.160.0/19
truth "$LAB_TMP/hop1.json"
pm analyze --format json -o "$LAB_TMP/hop1-pcap.json" "$LAB_TMP/hop1.pcap" || [ $? -le 2 ]
truth "$LAB_TMP/hop1-pcap.json"
