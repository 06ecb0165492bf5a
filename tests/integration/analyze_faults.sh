#!/usr/bin/env bash
# analyze_faults.sh - each lab fault is injected, the lab's /22 swept, and the verdicts checked: where the paths die, how, in whose network, through which upstream.
. "$(dirname "$0")/common.sh" "$1"
# Dense variant: the expected verdicts below are per target for whole /24s ("reached" for the healthy side),
# which needs every address to answer; the realistic lab's verdicts are in truth.tsv.
lab_up --dense
# (198.19.179.254 is the border router's own address: filters on what it
# forwards do not touch it, so the checks take the lower half of .179)
cu24s=(198.19.176.0/24 198.19.179.0/25)
ru24s=(198.19.177.0/24 198.19.178.0/24)
expect() { # NAME RULE-FOR-CU RULE-FOR-RU
  local cu=() ru=() p
  for p in "${cu24s[@]}"; do cu+=("$p=$2"); done
  for p in "${ru24s[@]}"; do ru+=("$p=$3"); done
  echo "$1: $($CHECK verdicts "$LAB_TMP/$1.json" "${cu[@]}" "${ru[@]}")"
}

# a route withdrawn inside China Unicom: the Chinese side dies there, the Russian side is fine
lab_fault withdraw cu2a
sweep withdraw-cu lab-starjv
expect withdraw-cu "died:net-unreachable:4837:4837:198.18.17.1" "reached:*:*:20485"
lab_repair withdraw cu2a

# the same on the Russian side (TransTeleCom's ttk1)
lab_fault withdraw ttk1
sweep withdraw-ru lab-starjv
expect withdraw-ru "reached:*:*:4837" "died:net-unreachable:20485:20485:198.18.48.0"
lab_repair withdraw ttk1

# silent drop inside China Unicom
lab_fault drop cu2a
sweep drop-cu lab-starjv
expect drop-cu "died:silent:4837:4837:198.18.17.1" "reached:*:*:20485"
lab_repair drop cu2a

# an administrative filter inside the target AS: the border router refuses with !X
lab_fault filter kpbr
sweep filter-kp lab-starjv
expect filter-kp "died:admin-prohibited:131279:4837:198.18.20.5" "died:admin-prohibited:131279:20485:198.18.20.5"
lab_repair filter kpbr

# a routing loop between two China Unicom routers
lab_fault loop cu1 cu2a
sweep loop-cu lab-starjv
expect loop-cu "died:loop:4837:4837" "reached:*:*:20485"
lab_repair loop cu1 cu2a

# the Star JV border router is dead: its upstreams have no route left
lab_fault border-down
sweep border-down lab-starjv
expect border-down "died:net-unreachable:*:4837:198.18.20.1" "died:net-unreachable:*:20485:198.18.52.1"
lab_repair border-down

# healthy again, with the interconnects numbered from Star JV's own space
lab_fault numbering own
sweep own-numbering lab-starjv
echo "own numbering: $($CHECK healthy "$PATHS" own "$LAB_TMP/own-numbering.json" 1024)"
