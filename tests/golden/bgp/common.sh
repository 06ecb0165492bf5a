# common.sh - shared set-up of the offline both-planes golden tests: a scratch directory, pass/fail counts, the lab's ASN database and an() running analyze with it. Usage: . common.sh PATHMORTEM NAME
set -u
bin=${1:?usage: run.sh PATHMORTEM}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pm-$2.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# started as root, analyze reads after dropping to nobody
chmod 755 "$tmp"
fail=0
pass=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
good() { pass=$((pass + 1)); }
# the lab's address plan as the lab's own tests map it (tests/lab/lab-asn.csv)
SOURCE_DATE_EPOCH=1764720000 "$bin" geo build -o "$tmp/lab-asn.mmdb" "$(dirname "${BASH_SOURCE[0]}")/../../lab/lab-asn.csv" >/dev/null 2>&1 ||
    { echo "FAIL: geo build of the lab's ASN table"; exit 1; }
chmod 644 "$tmp/lab-asn.mmdb"
an() { "$bin" analyze --asn-db "$tmp/lab-asn.mmdb" "$@"; }
