# lib.sh - helpers for lab test scripts: source it, call lab_up, and the lab is torn down when the script exits.
#
#   . tests/lab/lib.sh
#   lab_require_root            # exits 77 (ctest skip) when not root
#   lab_up [--numbering own] [--onehop]   # sets LAB_PREFIX; may be called twice for two labs
#   lab_exec vp pathmortem trace 198.19.176.1
#   lab_fault withdraw cu2a; lab_repair withdraw cu2a
#   lab_expect_hops upstream 198.19.177.5   # prints the expected hop list from paths.tsv
#   lab_geo                     # builds lab MMDBs: LAB_ASN_DB, LAB_CITY_DB
#
# Teardown runs from an EXIT trap, so it also happens after a failure or a
# caught SIGINT/SIGTERM. A SIGKILL (ctest timeout) cannot be trapped: the lab
# is recorded with this script's pid as owner and "lab.sh clean" removes it.

LAB_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_SH=$LAB_HOME/lab.sh
LAB_PREFIX=
LAB_ALL=()
LAB_TMP=

lab_require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: the network lab needs root (network namespaces)" >&2
    exit 77
  fi
}

lab_down_all() {
  local p
  for p in "${LAB_ALL[@]}"; do "$LAB_SH" down "$p" >/dev/null 2>&1 || true; done
  LAB_ALL=()
  LAB_PREFIX=
}

# lab_tmpdir: a scratch directory (LAB_TMP) removed with the labs at exit.
lab_tmpdir() {
  if [ -z "$LAB_TMP" ]; then
    LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pmlab.XXXXXX")
    # pathmortem reads its databases after dropping to nobody: let it in.
    chmod 755 "$LAB_TMP"
  fi
  trap 'lab_cleanup' EXIT
}

# PM_LAB_KEEP=DIR: a failed test's files (pcaps, JSON, stores) are copied
# there before its temporary directory goes, for a look afterwards.
lab_cleanup() {
  local rc=$?
  lab_down_all
  if [ -n "$LAB_TMP" ] && [ $rc -ne 0 ] && [ -n "${PM_LAB_KEEP:-}" ]; then
    mkdir -p "$PM_LAB_KEEP" && cp -r "$LAB_TMP" "$PM_LAB_KEEP/" && echo "kept: $PM_LAB_KEEP/${LAB_TMP##*/}" >&2
  fi
  if [ -n "$LAB_TMP" ]; then rm -rf "$LAB_TMP"; LAB_TMP=; fi
}

lab_up() {
  local p
  p=$("$LAB_SH" up --owner $$ "$@") || { echo "lab_up: bring-up failed" >&2; return 1; }
  LAB_ALL+=("$p")
  LAB_PREFIX=$p
  trap 'lab_cleanup' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

lab_down() { # [PREFIX]: tear one lab down now (default: the latest)
  local p=${1:-$LAB_PREFIX} keep=() q
  "$LAB_SH" down "$p"
  for q in "${LAB_ALL[@]}"; do [ "$q" = "$p" ] || keep+=("$q"); done
  LAB_ALL=("${keep[@]}")
  [ "$p" != "$LAB_PREFIX" ] || LAB_PREFIX=
}

# lab_geo: builds the lab MMDBs into LAB_TMP; sets LAB_ASN_DB and LAB_CITY_DB
# (for pathmortem --asn-db/--geo-db).
lab_geo() {
  lab_tmpdir
  "$LAB_HOME/build-mmdb.pl" "$LAB_TMP" >/dev/null || { echo "lab_geo: building the lab MMDBs failed" >&2; return 1; }
  export LAB_ASN_DB=$LAB_TMP/lab-asn.mmdb
  export LAB_CITY_DB=$LAB_TMP/lab-city.mmdb
}

lab_exec() { "$LAB_SH" exec "$LAB_PREFIX" "$@"; }
lab_fault() { "$LAB_SH" fault "$LAB_PREFIX" "$@"; }
lab_repair() { "$LAB_SH" repair "$LAB_PREFIX" "$@"; }
lab_addr() { "$LAB_SH" addr "$LAB_PREFIX" "$@"; }

# lab_expect MODE ADDR COLUMN: the paths.tsv row for ADDR (longest prefix
# match) in MODE; COLUMN is one of upstream_asn hops routers addr_asns owner_asns.
# "target" in hops is replaced by ADDR.
lab_expect() {
  local mode=$1 addr=$2 col=$3 best="" bestlen=-1 m p up hops routers aa oa len v
  . "$LAB_HOME/topo.sh"
  while IFS=$'\t' read -r m p up hops routers aa oa; do
    [ "$m" = "$mode" ] || continue
    prefix_within "$addr/32" "$p" || continue
    len=${p#*/}
    if ((len > bestlen)); then
      bestlen=$len
      case "$col" in
        upstream_asn) v=$up ;; hops) v=${hops//target/$addr} ;; routers) v=$routers ;;
        addr_asns) v=$aa ;; owner_asns) v=$oa ;; *) echo "lab_expect: bad column $col" >&2; return 2 ;;
      esac
      best=$v
    fi
  done < <(grep -v '^#' "$LAB_HOME/paths.tsv")
  [ -n "$best" ] || { echo "lab_expect: no row for $addr in mode $mode" >&2; return 1; }
  echo "$best"
}

lab_expect_hops() { lab_expect "$1" "$2" hops; }
