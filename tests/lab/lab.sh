#!/usr/bin/env bash
# lab.sh - brings the pathmortem network-namespace lab up and down, runs commands in it, injects and repairs faults.
#
# Usage: lab.sh up [--dense] [--numbering upstream|own] [--onehop] [--prefix P] [--owner PID]
#        lab.sh down P | exec P NODE CMD... | fault P NAME ARGS... | repair P NAME ARGS...
#        lab.sh addr P NODE | nodes P | list | clean [--all]
#        lab.sh bgp P up|down|event NAME ARGS|files   (BIRD 2 beside the static routes, tests/lab/bgp.sh)
# See docs/lab.md. Nothing here is ever linked to the host's namespace.
set -euo pipefail

PM_LAB_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PM_LAB_RUN=${PM_LAB_RUN:-/run/pathmortem-lab}
# shellcheck source=topo.sh
. "$PM_LAB_HOME/topo.sh"
# shellcheck source=faults.sh
. "$PM_LAB_HOME/faults.sh"
# shellcheck source=bgp.sh
. "$PM_LAB_HOME/bgp.sh"

die() { echo "lab.sh: $*" >&2; exit 1; }
say() { echo "lab.sh: $*" >&2; }

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"; }

# A prefix names the namespaces "<prefix>-<node>" and the state directory.
check_prefix() { [[ ${1:-} =~ ^[a-z][a-z0-9]{1,9}$ ]] || die "bad lab prefix '${1:-}' (want [a-z][a-z0-9]{1,9})"; }

random_prefix() {
  local chars=abcdefghijklmnopqrstuvwxyz0123456789 out=pm b
  for b in $(od -An -N5 -tu1 /dev/urandom); do out+=${chars:$((b % 36)):1}; done
  echo "$out"
}

# lab_state P: sets globals P, STATE, TOPO for an existing lab.
load_lab() {
  check_prefix "$1"
  P=$1 STATE=$PM_LAB_RUN/$1
  [ -d "$STATE" ] || die "no lab '$1' (no $STATE)"
  TOPO=$(cat "$STATE/topo")
  VARIANT=$(cat "$STATE/variant" 2>/dev/null || echo dense)
}

ns() { echo "$P-$1"; }

check_node() {
  local n
  for n in $(cat "$STATE/nodes"); do [ "$n" = "$1" ] && return 0; done
  die "no node '$1' in lab $P (nodes: $(cat "$STATE/nodes"))"
}

# gw_of NODE PEER: PEER's address on the NODE-PEER link.
gw_of() {
  awk -v a="$1" -v b="$2" '($1==a && $3==b){sub("/.*","",$4); print $4; exit}
                           ($3==a && $1==b){sub("/.*","",$2); print $2; exit}' "$STATE/links"
}

# Sysctls of every lab namespace: forwarding on, no reverse-path filtering
# (the lab routes asymmetrically), no redirects and no IPv6 chatter in
# captures; ICMP rate limits from node_icmp_limits. Set before links exist so
# interfaces inherit them.
node_sysctls() {
  ip netns exec "$(ns "$1")" sysctl -q -w \
    net.ipv4.ip_forward=1 \
    net.ipv4.icmp_errors_use_inbound_ifaddr=0 \
    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
    net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.default.send_redirects=0 \
    net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.default.accept_redirects=0 \
    net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
  node_icmp_apply "$1"
}

# node_icmp_limits NODE: the baseline "icmp_ratelimit(ms) icmp_msgs_per_sec
# icmp_msgs_burst" of NODE in this lab's variant (faults.sh's ratelimit fault
# and its repair come back to it). The dense variant and the one-hop lab have
# no limit at all. The realistic variant limits like real routers (see
# docs/lab.md for the figures measured): the upstream and transit routers
# with a per-destination bucket and a global one, the Star JV border router
# with Linux's defaults. The vantage's access router, the hosts' namespace
# kp (eleven hosts in one namespace would otherwise share one bucket) and the
# vantage side stay unlimited; the route error limit (error_cost/error_burst,
# not a per-namespace sysctl) applies everywhere regardless.
# The limits are fixed at bring-up into $STATE/icmp, so that a repair in a
# later call restores exactly them (PM_LAB_UPSTREAM_ICMP / PM_LAB_BORDER_ICMP
# override the defaults of topo.sh, for measurements).
node_icmp_limits() {
  local n l
  if [ -f "$STATE/icmp" ]; then
    while read -r n l; do [ "$n" != "$1" ] || { echo "$l"; return 0; }; done <"$STATE/icmp"
  fi
  if [ "$TOPO" != full ] || [ "$VARIANT" = dense ]; then echo "$PM_NO_ICMP_LIMIT"; return 0; fi
  case "$1" in
    tr | cu1 | cu2a | cu2b | cu3 | rt1 | ttk1 | ttk2) echo "${PM_LAB_UPSTREAM_ICMP:-$PM_UPSTREAM_ICMP}" ;;
    kpbr) echo "${PM_LAB_BORDER_ICMP:-$PM_BORDER_ICMP}" ;;
    *) echo "$PM_NO_ICMP_LIMIT" ;;
  esac
}

node_icmp_apply() {
  local l
  read -ra l <<<"$(node_icmp_limits "$1")"
  ip netns exec "$(ns "$1")" sysctl -q -w net.ipv4.icmp_ratelimit="${l[0]}" \
    net.ipv4.icmp_msgs_per_sec="${l[1]}" net.ipv4.icmp_msgs_burst="${l[2]}" >/dev/null
}

link_create() { # A addrA B addrB
  local a=$1 aa=$2 b=$3 ba=$4
  ip link add "$b" netns "$(ns "$a")" type veth peer name "$a" netns "$(ns "$b")"
  ip -n "$(ns "$a")" addr add "$aa" dev "$b"
  ip -n "$(ns "$b")" addr add "$ba" dev "$a"
  ip -n "$(ns "$a")" link set "$b" up
  ip -n "$(ns "$b")" link set "$a" up
}

# routes_apply NODE [PREFIX]: (re)install NODE's baseline routes, all or only
# those overlapping PREFIX. Idempotent, so repairs use it too.
routes_apply() {
  local node=$1 only=${2:-} n d peer gw cmds=""
  while read -r n d peer; do
    [ "$n" = "$node" ] || continue
    if [ -n "$only" ] && ! prefix_overlap "$d" "$only"; then continue; fi
    case "$peer" in
      unreachable | blackhole | prohibit) cmds+="route replace $peer $d proto static"$'\n'; continue ;;
    esac
    gw=$(gw_of "$node" "$peer")
    [ -n "$gw" ] || die "internal: no link $node-$peer"
    cmds+="route replace $d via $gw proto static"$'\n'
  done <"$STATE/routes"
  [ -z "$cmds" ] || printf '%s' "$cmds" | ip -n "$(ns "$node")" -batch -
}

cmd_up() {
  local numbering=upstream topo=full variant=realistic owner="" prefix="" n a aa b ba d
  while [ $# -gt 0 ]; do
    case "$1" in
      --dense) variant=dense; shift ;;
      --realistic) variant=realistic; shift ;;
      --numbering) numbering=${2:-}; shift 2 || die "--numbering needs a value" ;;
      --onehop) topo=onehop; shift ;;
      --prefix) prefix=${2:-}; shift 2 || die "--prefix needs a value" ;;
      --owner) owner=${2:-}; shift 2 || die "--owner needs a value" ;;
      *) die "up: unknown option '$1'" ;;
    esac
  done
  case "$numbering" in upstream | own) ;; *) die "--numbering must be upstream or own" ;; esac
  [ -z "$owner" ] || [[ $owner =~ ^[0-9]+$ ]] || die "--owner must be a process id"
  need_root
  [ -n "$prefix" ] || prefix=$(random_prefix)
  check_prefix "$prefix"
  # The one-hop lab has no dark space: it exists for the engine benchmark.
  [ "$topo" = full ] || variant=dense
  P=$prefix STATE=$PM_LAB_RUN/$prefix TOPO=$topo VARIANT=$variant
  mkdir -p "$PM_LAB_RUN"
  # mkdir is the lock: two runs can never claim the same prefix.
  mkdir "$STATE" 2>/dev/null || die "lab prefix '$P' already in use"
  # From here on, any failure tears down what was built.
  # shellcheck disable=SC2154 # rc is assigned inside the trap string
  trap 'rc=$?; if [ $rc -ne 0 ]; then say "bring-up failed, tearing down $P"; teardown "$P" || true; fi' EXIT
  echo "$topo" >"$STATE/topo"
  echo "$variant" >"$STATE/variant"
  echo "$numbering" >"$STATE/numbering"
  echo "$numbering" >"$STATE/numbering.initial"
  echo "$owner" >"$STATE/owner"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$STATE/created"
  : >"$STATE/faults"
  topo_nodes "$topo" >"$STATE/nodes"
  topo_links "$topo" "$numbering" >"$STATE/links"
  topo_routes "$topo" "$variant" >"$STATE/routes"
  for n in $(cat "$STATE/nodes"); do echo "$n $(node_icmp_limits "$n")"; done >"$STATE/icmp.new"
  mv "$STATE/icmp.new" "$STATE/icmp"
  for n in $(cat "$STATE/nodes"); do
    ip netns add "$(ns "$n")"
    node_sysctls "$n"
    ip -n "$(ns "$n")" link set lo up
  done
  while read -r a aa b ba; do link_create "$a" "$aa" "$b" "$ba"; done <"$STATE/links"
  # Star JV hosts: kp answers as a host for these addresses (AnyIP local
  # routes): the whole /22 (dense) or the live hosts only (realistic).
  for d in $(topo_kp_local "$topo" "$variant"); do ip -n "$(ns kp)" route add local "$d" dev lo; done
  for n in $(cat "$STATE/nodes"); do routes_apply "$n"; done
  trap - EXIT
  say "lab $P up ($topo, $variant, numbering $numbering)"
  echo "$P"
}

# teardown P: delete every namespace of lab P and its state; true if anything existed.
teardown() {
  local p=$1 st=$PM_LAB_RUN/$1 found=1 n pids
  # A process still running inside a lab namespace (a test killed midway)
  # would keep that namespace alive after its name is gone: end those
  # processes first, by pid, and only those inside this lab's namespaces.
  pids=$(for n in $(ip netns list | awk '{print $1}'); do
    case "$n" in "$p"-*) ip netns pids "$n" 2>/dev/null ;; esac
  done)
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086 # one pid per word
    kill -TERM $pids 2>/dev/null || true
    sleep 0.3
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
  fi
  if [ -f "$st/nodes" ]; then
    for n in $(cat "$st/nodes"); do
      if ip netns del "$p-$n" 2>/dev/null; then found=0; fi
    done
  fi
  # Namespaces a half-finished bring-up made before writing its node list.
  for n in $(ip netns list | awk '{print $1}'); do
    case "$n" in "$p"-*) ip netns del "$n" 2>/dev/null && found=0 ;; esac
  done
  # the vantage's resolver file of tests/lab/dns.sh, if a test left it
  [ ! -d "/etc/netns/$p-vp" ] || rm -rf "/etc/netns/$p-vp"
  if [ -d "$st" ]; then rm -rf "$st"; found=0; fi
  return $found
}

cmd_down() {
  [ $# -eq 1 ] || die "usage: down PREFIX"
  check_prefix "$1"
  need_root
  teardown "$1" || die "no lab '$1'"
  say "lab $1 down"
}

cmd_exec() {
  [ $# -ge 3 ] || die "usage: exec PREFIX NODE CMD..."
  load_lab "$1"
  check_node "$2"
  local node=$2
  shift 2
  exec ip netns exec "$(ns "$node")" "$@"
}

cmd_addr() {
  local d
  [ $# -eq 2 ] || die "usage: addr PREFIX NODE"
  load_lab "$1"
  check_node "$2"
  # "interface address/len peer-node", one per line; kp adds its AnyIP block.
  awk -v n="$2" '($1==n){print $3, $2, $3} ($3==n){print $1, $4, $1}' "$STATE/links"
  if [ "$2" = kp ]; then
    for d in $(topo_kp_local "$TOPO" "$VARIANT"); do echo "lo $d anyip"; done
  fi
}

cmd_nodes() {
  [ $# -eq 1 ] || die "usage: nodes PREFIX"
  load_lab "$1"
  tr ' ' '\n' <"$STATE/nodes"
}

owner_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

cmd_list() {
  local st p owner
  [ -d "$PM_LAB_RUN" ] || return 0
  for st in "$PM_LAB_RUN"/*/; do
    [ -d "$st" ] || continue
    p=$(basename "$st")
    owner=$(cat "$st/owner" 2>/dev/null || true)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" "$(cat "$st/topo" 2>/dev/null)" \
      "variant=$(cat "$st/variant" 2>/dev/null || echo dense)" \
      "numbering=$(cat "$st/numbering" 2>/dev/null)" \
      "owner=${owner:-none}$( [ -z "$owner" ] || owner_alive "$owner" || echo '(dead)')" \
      "created=$(cat "$st/created" 2>/dev/null)" \
      "faults=$(paste -sd';' "$st/faults" 2>/dev/null)"
  done
}

# Removes labs whose owning process has died (a test killed by a timeout)
# and namespaces of the default naming scheme that have no state at all.
# Labs made by hand (no owner) stay unless --all is given.
cmd_clean() {
  local all=0 st p owner n
  [ "${1:-}" = --all ] && all=1
  need_root
  if [ -d "$PM_LAB_RUN" ]; then
    for st in "$PM_LAB_RUN"/*/; do
      [ -d "$st" ] || continue
      p=$(basename "$st")
      owner=$(cat "$st/owner" 2>/dev/null || true)
      if [ $all -eq 1 ] || { [ -n "$owner" ] && ! owner_alive "$owner"; }; then
        teardown "$p" && say "removed stale lab $p"
      fi
    done
  fi
  for n in $(ip netns list | awk '{print $1}'); do
    if [[ $n =~ ^(pm[a-z0-9]{5})-[a-z0-9]+$ ]] && [ ! -d "$PM_LAB_RUN/${BASH_REMATCH[1]}" ]; then
      ip netns del "$n" && say "removed orphan namespace $n"
    fi
  done
}

usage() {
  sed -n '4,8p' "${BASH_SOURCE[0]}" | sed 's/^# //'
}

main() {
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    exec) cmd_exec "$@" ;;
    fault) [ $# -ge 2 ] || die "usage: fault PREFIX NAME ARGS..."; load_lab "$1"; need_root; shift; fault_inject "$@" ;;
    repair) [ $# -ge 2 ] || die "usage: repair PREFIX NAME ARGS..."; load_lab "$1"; need_root; shift; fault_repair "$@" ;;
    bgp) cmd_bgp "$@" ;;
    addr) cmd_addr "$@" ;;
    nodes) cmd_nodes "$@" ;;
    list) cmd_list "$@" ;;
    clean) cmd_clean "$@" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
