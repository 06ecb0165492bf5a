#!/usr/bin/env bash
# dns.sh - a real DNS server (nsd) with PTR records for the lab's addresses, in its own namespace beside the access router.
#
# Usage: dns.sh up P     start it for lab P; the vantage's resolver points at it
#        dns.sh down P   stop it (lab.sh down P does this too)
#        dns.sh ptr      print the PTR table "address name" (what tests expect)
#        dns.sh silent   print the zone whose queries are never answered
#
# The server namespace P-dns hangs off acc (198.18.2.0/31, the access ISP's
# resolver address 198.18.2.1). vp's /etc/netns/P-vp/resolv.conf names it, so
# whatever runs through `ip netns exec P-vp` (and so `lab.sh exec P vp`)
# resolves there. What it answers is data, below: provider-style router
# names, addresses without a PTR (NXDOMAIN within a served zone), and one
# zone (TransTeleCom's 198.18.52.0/24) whose queries are dropped in the
# server's namespace, as a lame or unreachable name server does: a timeout.
set -euo pipefail

DNS_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PM_LAB_RUN=${PM_LAB_RUN:-/run/pathmortem-lab}
DNS_ADDR=198.18.2.1
ACC_ADDR=198.18.2.0
SILENT_ZONE=52.18.198.in-addr.arpa

die() { echo "dns.sh: $*" >&2; exit 1; }

# The PTR records: the address each router answers from toward the vantage
# and its neighbours, named the way providers name interfaces. Addresses not
# listed in a served zone (Star JV's border router kpbr: 198.18.20.5,
# 198.19.179.254) answer NXDOMAIN.
ptr_table() {
  cat <<'EOF'
198.18.0.1 ge-0-0-0.bras1.lab-access.example
198.18.1.0 ge-0-0-1.bras1.lab-access.example
198.18.8.1 ge-0-0-2.bras1.lab-access.example
198.18.8.0 ae-1.cr1.lab-transit.example
198.18.16.1 chinaunicom-gw.cr1.lab-transit.example
198.18.32.1 rostelecom-gw.cr1.lab-transit.example
198.18.16.0 xe-0-1-0.bjs-cu.chinaunicom.example
198.18.17.0 xe-0-2-0.bjs-cu.chinaunicom.example
198.18.17.2 xe-0-2-1.bjs-cu.chinaunicom.example
198.18.17.1 xe-1-0-0.shy-cu.chinaunicom.example
198.18.20.0 xe-2-0-0.shy-cu.chinaunicom.example
198.18.17.3 xe-1-0-0.tj-cu.chinaunicom.example
198.18.20.2 xe-2-0-0.tj-cu.chinaunicom.example
198.18.20.1 xe-0-0-0.dd-cu.chinaunicom.example
198.18.20.3 xe-0-0-1.dd-cu.chinaunicom.example
198.18.20.4 starjv-gw.dd-cu.chinaunicom.example
198.18.32.0 ae-2.m9-rt.rostelecom.example
198.18.48.1 ae-5.khv-rt.rostelecom.example
198.18.48.0 xe-0-0-0.khv-ttk.transtelecom.example
198.18.52.0 xe-0-0-1.khv-ttk.transtelecom.example
198.18.52.1 xe-0-0-0.blg-ttk.transtelecom.example
198.18.52.2 starjv-gw.blg-ttk.transtelecom.example
198.19.176.8 ns1.star-co.example
198.19.176.9 ns2.star-co.example
198.19.176.15 ns1.kptc.example
198.19.176.16 ns2.kptc.example
198.19.176.71 www.kcna.example
198.19.177.5 mail.star-co.example
EOF
}

# The served reverse zones, one per /24 (every /24 the lab numbers from).
zones() {
  echo "0.18.198 1.18.198 2.18.198 8.18.198 16.18.198 17.18.198 20.18.198 32.18.198 48.18.198 52.18.198"
  echo "176.19.198 177.19.198 178.19.198 179.19.198"
}

write_zones() { # DIR
  local dir=$1 z a name
  for z in $(zones); do
    {
      echo "\$ORIGIN $z.in-addr.arpa."
      echo "\$TTL 300"
      echo "@ IN SOA ns.lab-dns.example. hostmaster.lab-dns.example. 1 3600 600 86400 300"
      echo "@ IN NS ns.lab-dns.example."
      while read -r a name; do
        IFS=. read -r o1 o2 o3 o4 <<<"$a"
        if [ "$o3.$o2.$o1" = "$z" ]; then echo "$o4 IN PTR $name."; fi
      done < <(ptr_table)
    } >"$dir/$z.zone"
  done
}

write_conf() { # DIR
  local dir=$1 z
  {
    echo "server:"
    echo "  ip-address: $DNS_ADDR"
    echo "  port: 53"
    echo "  do-ip6: no"
    echo "  username: \"\""
    echo "  chroot: \"\""
    echo "  zonesdir: \"$dir\""
    echo "  database: \"\""
    echo "  zonelistfile: \"$dir/zone.list\""
    echo "  xfrdfile: \"$dir/xfrd.state\""
    echo "  pidfile: \"$dir/nsd.pid\""
    echo "  logfile: \"$dir/nsd.log\""
    echo "  server-count: 1"
    echo "  hide-version: yes"
    echo "remote-control:"
    echo "  control-enable: no"
    for z in $(zones); do
      echo "zone:"
      echo "  name: $z.in-addr.arpa"
      echo "  zonefile: $z.zone"
    done
  } >"$dir/nsd.conf"
}

# The silent zone's question name in wire format, for the drop rule.
silent_hex() {
  local out="" l
  for l in ${SILENT_ZONE//./ }; do out+=$(printf '|%02x|%s' "${#l}" "$l"); done
  echo "$out|00|"
}

cmd_up() {
  local p=$1 st dir i
  [[ $p =~ ^[a-z][a-z0-9]{1,9}$ ]] || die "bad lab prefix '$p'"
  st=$PM_LAB_RUN/$p
  [ -d "$st" ] || die "no lab '$p'"
  [ "$(cat "$st/topo")" = full ] || die "the DNS server needs the full lab"
  dir=$st/dns
  mkdir "$dir" 2>/dev/null || die "lab $p already has a DNS server"
  write_zones "$dir"
  write_conf "$dir"
  nsd-checkconf "$dir/nsd.conf" || die "nsd.conf refused"
  ip netns add "$p-dns"
  ip -n "$p-dns" link set lo up
  ip link add dns netns "$p-acc" type veth peer name acc netns "$p-dns"
  ip -n "$p-acc" addr add "$ACC_ADDR/31" dev dns
  ip -n "$p-dns" addr add "$DNS_ADDR/31" dev acc
  ip -n "$p-acc" link set dns up
  ip -n "$p-dns" link set acc up
  ip -n "$p-dns" route add 198.18.0.0/15 via "$ACC_ADDR"
  # a zone whose server never answers: every query for it is dropped here
  ip netns exec "$p-dns" iptables -A INPUT -p udp --dport 53 -m string --algo bm \
    --hex-string "$(silent_hex)" -j DROP
  ip netns exec "$p-dns" iptables -A INPUT -p tcp --dport 53 -m string --algo bm \
    --hex-string "$(silent_hex)" -j DROP
  # and a counter of every query that reaches the server (tests read it)
  ip netns exec "$p-dns" iptables -N pmcount
  ip netns exec "$p-dns" iptables -A pmcount -j RETURN
  ip netns exec "$p-dns" iptables -I INPUT 1 -p udp --dport 53 -j pmcount
  ip netns exec "$p-dns" nsd -c "$dir/nsd.conf"
  for i in $(seq 50); do
    [ -s "$dir/nsd.pid" ] && break
    sleep 0.1
  done
  [ -s "$dir/nsd.pid" ] || die "nsd did not start (see $dir/nsd.log)"
  mkdir -p "/etc/netns/$p-vp"
  echo "nameserver $DNS_ADDR" >"/etc/netns/$p-vp/resolv.conf"
  echo "dns.sh: nsd up for lab $p at $DNS_ADDR (pid $(cat "$dir/nsd.pid"))" >&2
}

cmd_down() {
  local p=$1 st pid
  [[ $p =~ ^[a-z][a-z0-9]{1,9}$ ]] || die "bad lab prefix '$p'"
  st=$PM_LAB_RUN/$p
  rm -rf "/etc/netns/$p-vp"
  if [ -s "$st/dns/nsd.pid" ]; then
    pid=$(cat "$st/dns/nsd.pid")
    # only the nsd of this lab: its pid, and only while it runs in P-dns
    if ip netns pids "$p-dns" 2>/dev/null | grep -qx "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  fi
  ip netns del "$p-dns" 2>/dev/null || true
  rm -rf "$st/dns"
}

# queries P: UDP queries that reached the server so far.
cmd_queries() {
  ip netns exec "$1-dns" iptables -L pmcount -v -n -x | awk '$3 == "RETURN" {print $1}'
}

case "${1:-}" in
  up) [ $# -eq 2 ] || die "usage: up P"; cmd_up "$2" ;;
  down) [ $# -eq 2 ] || die "usage: down P"; cmd_down "$2" ;;
  queries) [ $# -eq 2 ] || die "usage: queries P"; cmd_queries "$2" ;;
  ptr) ptr_table ;;
  silent) echo "$SILENT_ZONE" ;;
  *) sed -n '4,8p' "${BASH_SOURCE[0]}" | sed 's/^# //' >&2; exit 2 ;;
esac
