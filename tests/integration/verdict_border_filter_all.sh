#!/usr/bin/env bash
# verdict_border_filter_all.sh - issue 9 failure 4 with both sides wholly mute (mute both; drop kpbr): the hosts die in AS131279, never in AS4837, and no target is given the transit AS64501 as upstream (either side's upstream is unknowable); live and from the pcap.
. "$(dirname "$0")/common.sh" "$1"
# Realistic variant.
scenario_up healthy
for sc in border-filter-mute-all; do
  scenario_faults "$sc"
  sweep "$sc" lab-starjv
  truth "$LAB_TMP/$sc.json"
  pm analyze --format json -o "$LAB_TMP/$sc-pcap.json" "$LAB_TMP/$sc.pcap" || [ $? -le 2 ]
  truth "$LAB_TMP/$sc-pcap.json"
  scenario_repair "$sc"
done
