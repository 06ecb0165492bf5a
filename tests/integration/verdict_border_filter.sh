#!/usr/bin/env bash
# verdict_border_filter.sh - issue 9 failure 4: the border router drops everything inward behind mute last upstream routers (cu3, ttk2); the hosts die in AS131279 behind each /24's own upstream (AS20485 for the Russian side, though kpbr answers from China Unicom space); live and from the pcap.
. "$(dirname "$0")/common.sh" "$1"
# Realistic variant: scenario border-filter-mute of tests/lab/truth.tsv.
scenario_up border-filter-mute
sweep bfm lab-starjv
truth "$LAB_TMP/bfm.json"
pm analyze --format json -o "$LAB_TMP/bfm-pcap.json" "$LAB_TMP/bfm.pcap" || [ $? -le 2 ]
truth "$LAB_TMP/bfm-pcap.json"
