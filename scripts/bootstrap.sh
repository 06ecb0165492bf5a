#!/usr/bin/env bash
# bootstrap.sh - installs the Debian packages pathmortem needs to build, test and run its lab; idempotent.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libpcap-dev libnet1-dev libmaxminddb-dev mmdb-bin libjansson-dev libcmocka-dev
  libsqlite3-dev sqlite3 libcap-ng-dev libgraphviz-dev graphviz zlib1g-dev
  libmaxmind-db-writer-perl
  iproute2 iptables procps python3 tcpdump scamper valgrind libcap2-bin
  time tshark linux-perf e2fsprogs util-linux systemd
  libsodium-dev libseccomp-dev
  bird2 bgpdump libbz2-dev
  postgresql libpq-dev
  libscamperfile0-dev
  traceroute mtr-tiny
  libncurses-dev tmux nsd bind9-dnsutils libc-ares-dev zsh
  chromium
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "bootstrap: missing packages (${missing[*]}); run as root to install them" >&2
  exit 1
fi
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
