#!/usr/bin/env bash
# truth_dense.sh - the dense lab (every address answers), healthy and with China Unicom's routes withdrawn: verdicts per target, /24 and upstream as tests/lab/truth.tsv states them, live and from the pcap.
. "$(dirname "$0")/common.sh" "$1"
# Dense variant on purpose: this is the lab truth's check of the easy lab,
# which today's verdicts must keep; the realistic scenarios have their own tests.
scenario_up dense
sweep dense lab-starjv
truth "$LAB_TMP/dense.json"
pm analyze --format json -o "$LAB_TMP/dense-pcap.json" "$LAB_TMP/dense.pcap" || [ $? -le 2 ]
truth "$LAB_TMP/dense-pcap.json"
scenario_faults dense-withdraw-cu
sweep dense-withdraw lab-starjv
truth "$LAB_TMP/dense-withdraw.json"
pm analyze --format json -o "$LAB_TMP/dense-withdraw-pcap.json" "$LAB_TMP/dense-withdraw.pcap" || [ $? -le 2 ]
truth "$LAB_TMP/dense-withdraw-pcap.json"
scenario_repair dense-withdraw-cu
