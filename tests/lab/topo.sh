# topo.sh - the lab's nodes, links, addresses and static routes as tables; sourced by lab.sh.
#
# Everything is data so that bring-up, repair after a fault and the
# documentation (paths.tsv, lab-asn.csv) all follow the same plan.
# All addresses are in 198.18.0.0/15 (RFC 2544 benchmarking space).

# Address blocks, one per lab AS (see lab-asn.csv).
PM_BLK_ACCESS=198.18.0.0/21    # AS64500 LAB-ACCESS (vantage LAN 198.18.0.0/24)
PM_BLK_TRANSIT=198.18.8.0/21   # AS64501 LAB-TRANSIT
PM_BLK_CU=198.18.16.0/20       # AS4837 China Unicom
PM_BLK_CU_DANDONG=198.18.20.0/24
PM_BLK_RT=198.18.32.0/20       # AS12389 Rostelecom
PM_BLK_TTK=198.18.48.0/20      # AS20485 TransTeleCom
PM_BLK_KP=198.19.176.0/22      # AS131279 Star JV (mirror of 175.45.176.0/22)
# The target space is routed as four /24s so that a single /24 can be withdrawn.
PM_KP24S="198.19.176.0/24 198.19.177.0/24 198.19.178.0/24 198.19.179.0/24"

# The realistic variant (the default): only these addresses of the /22 are
# hosts. The first /24 mirrors the known hosts of 175.45.176.0/24 (.8/.9 name
# servers for second-level domains, .15/.16 kptc.kp name servers, .71 KCNA
# web); the other /24s have two hosts each. 198.19.179.255 (kp's end of the
# kpbr-kp link) and 198.19.179.254 (kpbr) answer too, as interfaces.
PM_LIVE_HOSTS="198.19.176.8 198.19.176.9 198.19.176.15 198.19.176.16 198.19.176.71
198.19.177.5 198.19.177.9 198.19.178.9 198.19.178.77 198.19.179.3 198.19.179.9"
# Dark addresses of these /24s are answered host-unreachable by kpbr (an
# "unreachable" route: Linux's ip_error, under the route error rate limit).
PM_DARK_UNREACH24S="198.19.176.0/24 198.19.177.0/24 198.19.178.0/24"
# Dark addresses of this /24 get no answer at all: kpbr forwards them to the
# hosts' LAN, where kp discards them (a blackhole route, before any TTL check).
PM_DARK_SILENT24=198.19.179.0/24

# ICMP limits, "icmp_ratelimit(ms) icmp_msgs_per_sec icmp_msgs_burst":
# none (dense variant, one-hop lab, hosts, vantage side); the realistic
# variant's upstream/transit routers; the Star JV border router (Linux's
# defaults). docs/lab.md gives the measured effect of each.
PM_NO_ICMP_LIMIT="0 1000000 1000000"
PM_UPSTREAM_ICMP="0 1000 50"
PM_BORDER_ICMP="0 1000 50"

# topo_nodes TOPO: every namespace of the topology, hosts and routers.
topo_nodes() {
  case "$1" in
    full) echo "vp atk acc tr cu1 cu2a cu2b cu3 rt1 ttk1 ttk2 kpbr kp" ;;
    onehop) echo "vp r1 kp" ;;
    *) return 1 ;;
  esac
}

# topo_links TOPO NUMBERING: one line per veth pair, "nodeA addrA/len nodeB addrB/len".
# Inside a node the interface is named after the peer node. Inter-AS links
# are numbered so that the router that answers a probe (from the interface
# of its return route) answers from its own AS's space, except Star JV's
# border router whose interconnects depend on NUMBERING (upstream|own).
topo_links() {
  local topo=$1 numbering=$2
  if [ "$topo" = onehop ]; then
    echo "vp 198.18.0.2/24 r1 198.18.0.1/24"
    echo "r1 198.18.8.0/31 kp 198.18.8.1/31"
    return 0
  fi
  cat <<'EOF'
vp 198.18.0.2/24 acc 198.18.0.1/24
acc 198.18.1.0/31 atk 198.18.1.1/31
tr 198.18.8.0/31 acc 198.18.8.1/31
cu1 198.18.16.0/31 tr 198.18.16.1/31
cu1 198.18.17.0/31 cu2a 198.18.17.1/31
cu1 198.18.17.2/31 cu2b 198.18.17.3/31
cu2a 198.18.20.0/31 cu3 198.18.20.1/31
cu2b 198.18.20.2/31 cu3 198.18.20.3/31
rt1 198.18.32.0/31 tr 198.18.32.1/31
ttk1 198.18.48.0/31 rt1 198.18.48.1/31
ttk1 198.18.52.0/31 ttk2 198.18.52.1/31
kpbr 198.19.179.254/31 kp 198.19.179.255/31
EOF
  if [ "$numbering" = own ]; then
    echo "cu3 198.19.179.251/31 kpbr 198.19.179.250/31"
    echo "ttk2 198.19.179.253/31 kpbr 198.19.179.252/31"
  else
    echo "cu3 198.18.20.4/31 kpbr 198.18.20.5/31"
    echo "ttk2 198.18.52.2/31 kpbr 198.18.52.3/31"
  fi
}

# topo_routes TOPO [VARIANT]: baseline static routes, "node destination peer-node";
# the peer may instead be a route type without a next hop ("unreachable",
# "blackhole"). No router has a default route, so a deleted route really
# yields ICMP net unreachable. Return traffic goes back the way it came,
# except at kpbr, whose route back to the vantage runs via China Unicom (cu3)
# for all traffic. VARIANT realistic (default) or dense changes only how the
# target /22 answers (see topo_kp_local).
topo_routes() {
  local topo=$1 variant=${2:-realistic} n d h
  if [ "$topo" = onehop ]; then
    echo "vp 198.18.0.0/15 r1"
    echo "r1 $PM_BLK_KP kp"
    echo "kp 198.18.0.0/15 r1"
    return 0
  fi
  # Hosts: vp only routes lab space, so a probe toward any other address
  # fails locally with "Network is unreachable" instead of leaving.
  echo "vp 198.18.0.0/15 acc"
  echo "atk 198.18.0.0/15 acc"
  echo "kp 198.18.0.0/15 kpbr"
  for d in $PM_BLK_TRANSIT $PM_BLK_CU $PM_BLK_RT $PM_BLK_TTK $PM_KP24S; do echo "acc $d tr"; done
  echo "tr $PM_BLK_ACCESS acc"
  echo "tr $PM_BLK_CU cu1"
  echo "tr $PM_BLK_RT rt1"
  echo "tr $PM_BLK_TTK rt1"
  echo "tr 198.19.176.0/24 cu1"
  echo "tr 198.19.177.0/24 rt1"
  echo "tr 198.19.178.0/24 rt1"
  echo "tr 198.19.179.0/24 cu1"
  for d in $PM_BLK_ACCESS $PM_BLK_TRANSIT $PM_BLK_RT $PM_BLK_TTK; do echo "cu1 $d tr"; done
  echo "cu1 $PM_BLK_CU cu2a"
  for d in $PM_KP24S; do echo "cu1 $d cu2a"; done
  for n in cu2a cu2b; do
    for d in $PM_BLK_ACCESS $PM_BLK_TRANSIT $PM_BLK_RT $PM_BLK_TTK $PM_BLK_CU; do echo "$n $d cu1"; done
    echo "$n $PM_BLK_CU_DANDONG cu3"
    for d in $PM_KP24S; do echo "$n $d cu3"; done
  done
  for d in $PM_BLK_ACCESS $PM_BLK_TRANSIT $PM_BLK_RT $PM_BLK_TTK $PM_BLK_CU; do echo "cu3 $d cu2a"; done
  for d in $PM_KP24S; do echo "cu3 $d kpbr"; done
  for d in $PM_BLK_ACCESS $PM_BLK_TRANSIT $PM_BLK_CU; do echo "kpbr $d cu3"; done
  for d in $PM_BLK_RT $PM_BLK_TTK; do echo "kpbr $d ttk2"; done
  if [ "$variant" = dense ]; then
    for d in $PM_KP24S; do echo "kpbr $d kp"; done
  else
    for d in $PM_DARK_UNREACH24S; do echo "kpbr $d unreachable"; done
    echo "kpbr $PM_DARK_SILENT24 kp"
    for h in $PM_LIVE_HOSTS; do
      prefix_within "$h/32" "$PM_DARK_SILENT24" || echo "kpbr $h/32 kp"
    done
    echo "kp $PM_DARK_SILENT24 blackhole"
  fi
  for d in $PM_BLK_ACCESS $PM_BLK_TRANSIT $PM_BLK_CU; do echo "rt1 $d tr"; done
  for d in $PM_BLK_TTK $PM_KP24S; do echo "rt1 $d ttk1"; done
  for d in $PM_BLK_ACCESS $PM_BLK_TRANSIT $PM_BLK_CU $PM_BLK_RT; do echo "ttk1 $d rt1"; done
  for d in $PM_BLK_TTK $PM_KP24S; do echo "ttk1 $d ttk2"; done
  for d in $PM_BLK_ACCESS $PM_BLK_TRANSIT $PM_BLK_CU $PM_BLK_RT $PM_BLK_TTK; do echo "ttk2 $d ttk1"; done
  for d in $PM_KP24S; do echo "ttk2 $d kpbr"; done
}

# topo_kp_local TOPO VARIANT: the addresses kp answers for as a host (its
# "local" routes): the whole /22 in the dense variant and the one-hop lab
# (AnyIP), only PM_LIVE_HOSTS in the realistic one.
topo_kp_local() {
  if [ "$1" = onehop ] || [ "$2" = dense ]; then echo "$PM_BLK_KP"; return 0; fi
  local h
  for h in $PM_LIVE_HOSTS; do echo "$h/32"; done
}

# --- IPv4 prefix arithmetic (pure bash, no external tools) ---

# ip4_int A.B.C.D -> integer; fails on malformed input.
ip4_int() {
  local IFS=. a b c d
  [[ $1 =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || return 1
  read -r a b c d <<<"$1"
  ((a <= 255 && b <= 255 && c <= 255 && d <= 255)) || return 1
  echo $(((10#$a << 24) | (10#$b << 16) | (10#$c << 8) | 10#$d))
}

# prefix_valid P: A.B.C.D/LEN with host bits zero.
prefix_valid() {
  local a l n
  [[ $1 =~ ^([0-9.]+)/([0-9]{1,2})$ ]] || return 1
  a=${BASH_REMATCH[1]} l=$((10#${BASH_REMATCH[2]}))
  ((l <= 32)) || return 1
  n=$(ip4_int "$a") || return 1
  (((n & ~(0xffffffff << (32 - l)) & 0xffffffff) == 0))
}

# prefix_within A B: true when prefix A lies inside prefix B (or equals it).
prefix_within() {
  local an al bn bl mask
  an=$(ip4_int "${1%/*}") al=${1#*/}
  bn=$(ip4_int "${2%/*}") bl=${2#*/}
  ((al >= bl)) || return 1
  mask=$(((0xffffffff << (32 - bl)) & 0xffffffff))
  (((an & mask) == (bn & mask)))
}

# prefix_overlap A B: true when either prefix contains the other.
prefix_overlap() { prefix_within "$1" "$2" || prefix_within "$2" "$1"; }
