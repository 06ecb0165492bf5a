#!/usr/bin/env bash
# verdict_silent_upstream.sh - issue 9 failure 3: China Unicom's routers rate-limited or mute (one side, both) never move a target's upstream to the transit AS, nothing dies; live and from the pcap.
. "$(dirname "$0")/common.sh" "$1"
# Realistic variant: the healthy truth with every address of the /22 swept.
scenario_up healthy
for sc in ratelimit-cu mute-cu mute-ru mute-both; do
  scenario_faults "$sc"
  [ "$sc" != ratelimit-cu ] || sleep 1   # the per-destination buckets start as recent ICMP left them
  sweep "$sc" lab-starjv
  truth "$LAB_TMP/$sc.json"
  pm analyze --format json -o "$LAB_TMP/$sc-pcap.json" "$LAB_TMP/$sc.pcap" || [ $? -le 2 ]
  truth "$LAB_TMP/$sc-pcap.json"
  scenario_repair "$sc"
done
