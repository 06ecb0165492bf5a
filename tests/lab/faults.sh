# faults.sh - the lab's faults (withdraw, route-loss, half-dead, drop, filter, mute, border-down, ratelimit, ecmp, loop, numbering) and their repairs; sourced by lab.sh.
#
# Every fault has an exact undo so that tests can inject, observe and
# repair. Routes a fault adds carry "proto 250" so a repair can find and
# remove exactly them, then reinstall the baseline routes ("proto static").

PM_FAULT_PROTO=250

fault_usage() {
  cat >&2 <<'EOF'
faults: withdraw ROUTER [PREFIX]            route deleted -> ICMP net unreachable from ROUTER
        route-loss ROUTER unreachable|prohibit|blackhole|throw [PREFIX]
                                            route replaced by that type: host-unreachable (code 1),
                                            admin-prohibited (13), silence, net-unreachable (0)
        half-dead [PREFIX24] [TYPE]         the lower /25 of PREFIX24 lost at its side's last
                                            upstream router (cu3 or ttk2), TYPE blackhole by default
        mute ROUTER|cu|ru|both              ROUTER (or a side's routers) sends no time-exceeded
        drop ROUTER [PREFIX]                forwarded packets silently dropped (ROUTER still answers TTL expiry)
        filter ROUTER [icmp|udp|tcp|all] [PREFIX]   REJECT with icmp-admin-prohibited (!X)
        border-down [unreachable|silent]    kpbr dead; cu3 and ttk2 answer !N (or stay silent)
        ratelimit ROUTER                    Linux default ICMP rate limits on ROUTER (repair: the variant's)
        ecmp                                cu1 load-balances over cu2a/cu2b by L4 hash
        loop ROUTER_A ROUTER_B [PREFIX]     adjacent routers route PREFIX to each other
        numbering upstream|own              renumber kpbr's interconnects live
PREFIX defaults to 198.19.176.0/22 (all four /24 routes).
EOF
  exit 2
}

# lab_prefix_arg P: a valid prefix inside the lab's 198.18.0.0/15.
lab_prefix_arg() {
  prefix_valid "$1" || die "bad prefix '$1' (want A.B.C.D/LEN with host bits zero)"
  prefix_within "$1" 198.18.0.0/15 || die "prefix '$1' is outside the lab's 198.18.0.0/15"
  echo "$1"
}

need_full() { [ "$TOPO" = full ] || die "fault '$1' needs the full topology, lab $P is '$TOPO'"; }

# baseline_dsts NODE PREFIX: NODE's baseline destinations lying inside PREFIX.
baseline_dsts() {
  local n d _peer
  while read -r n d _peer; do
    [ "$n" = "$1" ] && prefix_within "$d" "$2" && echo "$d"
  done <"$STATE/routes" || true
}

# baseline_covers NODE PREFIX: true when a baseline route of NODE contains PREFIX.
baseline_covers() {
  local n d _peer
  while read -r n d _peer; do
    [ "$n" = "$1" ] && prefix_within "$2" "$d" && return 0
  done <"$STATE/routes"
  return 1
}

nsx() { ip netns exec "$(ns "$1")" "${@:2}"; }

restore_routes() { # NODE PREFIX: remove fault routes inside PREFIX, reinstall baseline
  ip -n "$(ns "$1")" route flush root "$2" proto $PM_FAULT_PROTO 2>/dev/null || true
  routes_apply "$1" "$2"
}

icmp_sysctls() { # NODE ratelimit_ms msgs_per_sec burst
  nsx "$1" sysctl -q -w net.ipv4.icmp_ratelimit="$2" net.ipv4.icmp_msgs_per_sec="$3" \
    net.ipv4.icmp_msgs_burst="$4" >/dev/null
}

filter_rule() { # proto prefix -> iptables match and target words
  local proto=$1 pfx=$2
  printf '%s\n' -d "$pfx"
  [ "$proto" = all ] || printf '%s\n' -p "$proto"
  printf '%s\n' -j REJECT --reject-with icmp-admin-prohibited
}

set_numbering() { # upstream|own: readdress kpbr's two interconnects in place
  local want=$1 a aa b ba
  need_full numbering
  case "$want" in upstream | own) ;; *) die "numbering must be upstream or own" ;; esac
  [ "$(cat "$STATE/numbering")" != "$want" ] || return 0
  # Removing the only address of an interface flushes every route through it.
  while read -r a aa b ba; do
    if [ "$b" = kpbr ] && { [ "$a" = cu3 ] || [ "$a" = ttk2 ]; }; then
      ip -n "$(ns "$a")" addr del "$aa" dev "$b"
      ip -n "$(ns "$b")" addr del "$ba" dev "$a"
    fi
  done <"$STATE/links"
  topo_links full "$want" >"$STATE/links"
  echo "$want" >"$STATE/numbering"
  while read -r a aa b ba; do
    if [ "$b" = kpbr ] && { [ "$a" = cu3 ] || [ "$a" = ttk2 ]; }; then
      ip -n "$(ns "$a")" addr add "$aa" dev "$b"
      ip -n "$(ns "$b")" addr add "$ba" dev "$a"
    fi
  done <"$STATE/links"
  routes_apply cu3
  routes_apply ttk2
  routes_apply kpbr
}

# mute_nodes WHO: the routers a mute fault silences. cu: China Unicom's
# routers; ru: the Russian side's (Rostelecom and TransTeleCom); both; or
# one router by name.
mute_nodes() {
  case "$1" in
    cu) echo "cu1 cu2a cu2b cu3" ;;
    ru) echo "rt1 ttk1 ttk2" ;;
    both) echo "cu1 cu2a cu2b cu3 rt1 ttk1 ttk2" ;;
    *) echo "$1" ;;
  esac
}

# Locally generated ICMP leaves through OUTPUT: dropping time-exceeded there
# mutes the router's TTL expiry answers and nothing else (unreachables, echo
# replies and forwarding are untouched).
mute_rule() { printf '%s\n' -p icmp --icmp-type time-exceeded -j DROP; }

# half_dead_at PREFIX24: the router that loses the lower half: the side's
# last upstream router before kpbr (cu3 for China Unicom /24s, ttk2 for
# TransTeleCom ones), from the baseline route at tr.
half_dead_at() {
  local n d peer
  while read -r n d peer; do
    if [ "$n" = tr ] && prefix_within "$1" "$d" && prefix_within "$d" "$PM_BLK_KP"; then
      case "$peer" in cu1) echo cu3 ;; rt1) echo ttk2 ;; esac
      return 0
    fi
  done <"$STATE/routes"
  die "half-dead: $1 is not one of the target /24s"
}

# route_types_set NODE TYPE PREFIX: NODE's routes inside PREFIX (or PREFIX
# itself when it is smaller than a route) replaced by TYPE routes.
route_types_set() {
  local node=$1 type=$2 pfx=$3 dsts d
  dsts=$(baseline_dsts "$node" "$pfx")
  if [ -z "$dsts" ]; then
    baseline_covers "$node" "$pfx" || die "route-loss: $node has no route toward $pfx"
    dsts=$pfx
  fi
  for d in $dsts; do ip -n "$(ns "$node")" route replace "$type" "$d" proto $PM_FAULT_PROTO; done
}

# fault_args NAME ARGS...: validates and prints the canonical form "NAME ARG..."
# (defaults filled in), the key under which the fault is recorded.
fault_args() {
  local name=${1:-} proto pfx mode
  [ $# -gt 0 ] && shift
  case "$name" in
    withdraw | drop | ratelimit)
      [ $# -ge 1 ] || fault_usage
      check_node "$1"
      if [ "$name" = ratelimit ]; then [ $# -eq 1 ] || fault_usage; echo "ratelimit $1"; return; fi
      [ $# -le 2 ] || fault_usage
      echo "$name $1 $(lab_prefix_arg "${2:-$PM_BLK_KP}")" ;;
    route-loss)
      [ $# -ge 2 ] && [ $# -le 3 ] || fault_usage
      check_node "$1"
      case "$2" in unreachable | prohibit | blackhole | throw) ;; *) fault_usage ;; esac
      echo "route-loss $1 $2 $(lab_prefix_arg "${3:-$PM_BLK_KP}")" ;;
    half-dead)
      need_full half-dead
      [ $# -le 2 ] || fault_usage
      pfx=${1:-198.19.176.0/24}
      [[ $pfx =~ /24$ ]] || die "half-dead: '$pfx' is not a /24"
      pfx=$(lab_prefix_arg "$pfx")
      half_dead_at "$pfx" >/dev/null
      case "${2:-blackhole}" in unreachable | prohibit | blackhole | throw) ;; *) fault_usage ;; esac
      echo "half-dead $pfx ${2:-blackhole}" ;;
    mute)
      [ $# -eq 1 ] || fault_usage
      need_full mute
      case "$1" in cu | ru | both) ;; *) check_node "$1" ;; esac
      echo "mute $1" ;;
    filter)
      [ $# -ge 1 ] && [ $# -le 3 ] || fault_usage
      check_node "$1"
      proto=all pfx=$PM_BLK_KP
      case "${2:-}" in icmp | udp | tcp | all) proto=$2; pfx=${3:-$pfx} ;; "") ;; *) pfx=$2; [ $# -eq 2 ] || fault_usage ;; esac
      echo "filter $1 $proto $(lab_prefix_arg "$pfx")" ;;
    border-down)
      need_full border-down
      mode=${1:-unreachable}
      case "$mode" in unreachable | silent) ;; *) fault_usage ;; esac
      echo "border-down $mode" ;;
    ecmp) need_full ecmp; [ $# -eq 0 ] || fault_usage; echo ecmp ;;
    loop)
      [ $# -ge 2 ] && [ $# -le 3 ] || fault_usage
      check_node "$1"
      check_node "$2"
      [ -n "$(gw_of "$1" "$2")" ] || die "loop: $1 and $2 are not adjacent"
      echo "loop $1 $2 $(lab_prefix_arg "${3:-$PM_BLK_KP}")" ;;
    numbering)
      # "repair P numbering" needs no argument: it returns to the bring-up numbering.
      [ $# -le 1 ] || fault_usage
      case "${1:-}" in upstream | own | "") ;; *) fault_usage ;; esac
      echo "numbering ${1:-}" ;;
    *) fault_usage ;;
  esac
}

fault_inject() {
  local canon d x y dsts
  canon=$(fault_args "$@")
  set -- $canon
  case "$1" in
    withdraw)
      dsts=$(baseline_dsts "$2" "$3")
      if [ -n "$dsts" ]; then
        for d in $dsts; do ip -n "$(ns "$2")" route del "$d" 2>/dev/null || say "withdraw: $d already absent at $2"; done
      elif baseline_covers "$2" "$3"; then
        # A more specific withdrawal: a throw route makes lookups fail as if no route existed.
        ip -n "$(ns "$2")" route replace throw "$3" proto $PM_FAULT_PROTO
      else
        die "withdraw: $2 has no route toward $3"
      fi ;;
    route-loss) route_types_set "$2" "$3" "$4" ;;
    half-dead) route_types_set "$(half_dead_at "$2")" "$3" "${2%.*}.0/25" ;;
    mute)
      mapfile -t x < <(mute_rule)
      for d in $(mute_nodes "$2"); do nsx "$d" iptables -I OUTPUT "${x[@]}"; done ;;
    drop) nsx "$2" iptables -I FORWARD -d "$3" -j DROP ;;
    filter) mapfile -t x < <(filter_rule "$3" "$4"); nsx "$2" iptables -I FORWARD "${x[@]}" ;;
    border-down)
      for d in cu3 ttk2 kp; do ip -n "$(ns kpbr)" link set "$d" down; done
      ip -n "$(ns cu3)" link set kpbr down
      ip -n "$(ns ttk2)" link set kpbr down
      # With the links admin-down the kernel drops every route through them,
      # so cu3 and ttk2 have no route left: ICMP net unreachable. "silent"
      # blackholes instead, which discards before the TTL check.
      if [ "$2" = silent ]; then
        for x in cu3 ttk2; do
          for d in $PM_KP24S; do ip -n "$(ns "$x")" route replace blackhole "$d" proto $PM_FAULT_PROTO; done
        done
      fi ;;
    ratelimit) icmp_sysctls "$2" 1000 1000 50 ;;
    ecmp)
      for d in $PM_KP24S; do
        ip -n "$(ns cu1)" route replace "$d" proto static \
          nexthop via "$(gw_of cu1 cu2a)" nexthop via "$(gw_of cu1 cu2b)"
      done
      nsx cu1 sysctl -q -w net.ipv4.fib_multipath_hash_policy=1 >/dev/null
      # A fixed hash seed (Linux >= 6.11) makes "which port takes which
      # branch" the same in every run; older kernels seed at random.
      if nsx cu1 test -e /proc/sys/net/ipv4/fib_multipath_hash_seed; then
        nsx cu1 sysctl -q -w net.ipv4.fib_multipath_hash_seed=20171001 >/dev/null
      fi ;;
    loop)
      for x in "$2" "$3"; do
        y=$2
        [ "$x" = "$2" ] && y=$3
        dsts=$(baseline_dsts "$x" "$4")
        [ -n "$dsts" ] || dsts=$4
        for d in $dsts; do ip -n "$(ns "$x")" route replace "$d" via "$(gw_of "$x" "$y")" proto $PM_FAULT_PROTO; done
      done ;;
    numbering) [ -n "${2:-}" ] || fault_usage; set_numbering "$2" ;;
  esac
  echo "$canon" >>"$STATE/faults"
  say "fault on $P: $canon"
}

fault_repair() {
  local canon x y
  canon=$(fault_args "$@")
  set -- $canon
  case "$1" in
    withdraw | route-loss) restore_routes "$2" "${4:-$3}" ;;
    half-dead) restore_routes "$(half_dead_at "$2")" "${2%.*}.0/25" ;;
    mute)
      mapfile -t x < <(mute_rule)
      for y in $(mute_nodes "$2"); do
        nsx "$y" iptables -D OUTPUT "${x[@]}" 2>/dev/null || die "repair: $y is not muted"
      done ;;
    drop) nsx "$2" iptables -D FORWARD -d "$3" -j DROP 2>/dev/null || die "repair: no drop rule for $3 at $2" ;;
    filter)
      mapfile -t x < <(filter_rule "$3" "$4")
      nsx "$2" iptables -D FORWARD "${x[@]}" 2>/dev/null || die "repair: no $3 filter for $4 at $2" ;;
    border-down)
      for x in cu3 ttk2 kp; do ip -n "$(ns kpbr)" link set "$x" up; done
      ip -n "$(ns cu3)" link set kpbr up
      ip -n "$(ns ttk2)" link set kpbr up
      for x in cu3 ttk2; do restore_routes "$x" "$PM_BLK_KP"; done
      for x in kpbr cu3 ttk2 kp; do routes_apply "$x"; done ;;
    ratelimit) node_icmp_apply "$2" ;;
    ecmp)
      routes_apply cu1 "$PM_BLK_KP"
      nsx cu1 sysctl -q -w net.ipv4.fib_multipath_hash_policy=0 >/dev/null ;;
    loop) restore_routes "$2" "$4"; restore_routes "$3" "$4" ;;
    numbering) set_numbering "$(cat "$STATE/numbering.initial")"; canon="numbering $(cat "$STATE/numbering")" ;;
  esac
  # Forget the first matching record (numbering: any).
  awk -v c="$canon" -v n="$1" 'done!=1 && ($0==c || (n=="numbering" && $1=="numbering")) {done=1; next} {print}' \
    "$STATE/faults" >"$STATE/faults.new" && mv "$STATE/faults.new" "$STATE/faults"
  say "repaired on $P: $canon"
}
