#!/usr/bin/env bash
# docs.sh - the options and exit statuses have one source, the program: every long option of each subcommand's --help is in the man page and the README, the man page's and README's exit-status lists are the codes of src/cli/commands.h, each --help names only such codes, and every environment variable the code reads is in the man page's ENVIRONMENT section and the README. docs.sh PATHMORTEM SOURCE_DIR
set -u
bin=$(realpath "${1:?usage: docs.sh PATHMORTEM SOURCE_DIR}")
src=${2:?usage: docs.sh PATHMORTEM SOURCE_DIR}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
wrap=${PM_WRAP:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pm-docs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# the man page as plain text: roff's \- is a hyphen, font escapes go
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$src/man/pathmortem.1" >"$tmp/man"
readme="$src/README.md"

# the subcommands, from the program's own list
cmds=$($wrap "$bin" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
[ -n "$cmds" ] || bad "no commands in 'pathmortem --help'"
for c in $cmds; do
    $wrap "$bin" "$c" --help >"$tmp/help.$c" 2>&1 || bad "$c --help exits non-zero"
    # a command with subcommands names their own --help ('pathmortem geo build --help'): their options count as its
    for sub in $(grep -oE "'pathmortem $c [a-z]+ --help'" "$tmp/help.$c" | awk '{print $3}'); do
        $wrap "$bin" "$c" "$sub" --help >>"$tmp/help.$c" 2>&1 || bad "$c $sub --help exits non-zero"
    done
    grep -q -- "^\.SH .*$(echo "$c" | tr a-z A-Z)" "$src/man/pathmortem.1" || grep -q "^\.SH ${c^^} OPTIONS" "$src/man/pathmortem.1" ||
        bad "man page: no section for $c's options"
    # the command's own OPTIONS section (a section saying "Every trace option applies" also has trace's)
    sed -n "/^\.SH ${c^^} OPTIONS/,/^\.SH/p" "$tmp/man" >"$tmp/man.$c"
    if grep -q "Every trace option applies" "$tmp/man.$c"; then
        sed -n "/^\.SH TRACE OPTIONS/,/^\.SH/p" "$tmp/man" >>"$tmp/man.$c"
    fi
    # the options: what --help names before its exit-status paragraph
    for o in $(sed '/^exit status/,/^$/d' "$tmp/help.$c" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
        [ "$o" = --help ] && continue
        grep -q -- "$o\\b" "$tmp/man.$c" || bad "man page's ${c^^} OPTIONS section lacks $o"
        grep -q -- "$o\\b" "$readme" || bad "README lacks $c $o"
        pass=$((pass + 1))
    done
    # the exit statuses a --help names are codes the program has
    sed -n '/^exit status/,/^$/p' "$tmp/help.$c" >"$tmp/exit.$c"
    for n in $(grep -oE '\b[0-9]{1,3}\b' "$tmp/exit.$c" | sort -u); do
        grep -qE "#define PM_EXIT_[A-Z_]+ $n\b" "$src/src/cli/commands.h" || bad "$c --help names exit status $n, which commands.h lacks"
    done
done

# exit statuses: commands.h is the list; the man page's EXIT STATUS and the README's "Exit statuses" list every one
codes=$(grep -oE '#define PM_EXIT_[A-Z_]+ +[0-9]+' "$src/src/cli/commands.h" | awk '{print $3}' | sort -n -u)
[ -n "$codes" ] || bad "no PM_EXIT_ codes in commands.h"
sed -n '/^\.SH EXIT STATUS/,/^\.SH/p' "$tmp/man" | sed '1d;/^\.SH/d' >"$tmp/man.exit"
[ -s "$tmp/man.exit" ] || bad "man page has no EXIT STATUS section"
awk '/^## Exit status/ {on = 1; next} on && /^## / {exit} on' "$readme" >"$tmp/readme.exit"
[ -s "$tmp/readme.exit" ] || bad "README has no '## Exit status' section"
for f in man.exit readme.exit; do
    have=$(grep -oE '(^|[^0-9./-])[0-9]{1,3}\b' "$tmp/$f" | grep -oE '[0-9]+' | sort -n -u)
    [ "$have" = "$codes" ] || bad "$f lists exit statuses $(echo $have) but commands.h has $(echo $codes)"
    pass=$((pass + 1))
done

# numeric limits (issue 15: the -q limit disagreed): each bound trace --help states ("at most 64",
# "1 to 6") is the one the man page's entry and the README's sentence for that option state, and
# the program refuses one past it
while read -r opt max; do
    entry=$(awk -v o="$opt" '/^\.(B|BR|BI) / {on = index($0, o) > 0; next} /^\.(TP|SH)/ {on = 0} on' "$tmp/man")
    echo "$entry" | grep -qE "(at most|to) $max\b" || bad "man page: $opt's entry does not say its limit $max"
    grep -- "$opt" "$readme" | grep -qE "(at most|to) $max\b" || bad "README: no line naming $opt says its limit $max"
    # refused while parsing, before any socket; as root in an empty network namespace all the same
    ns=""
    [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null && ns="unshare -n"
    out=$($ns $wrap "$bin" trace "$opt" $((max + 1)) 198.18.0.1 2>&1 </dev/null)
    [ $? = 64 ] && echo "$out" | grep -q "is invalid" || bad "trace $opt $((max + 1)) is not refused: $out"
    pass=$((pass + 1))
done < <("$bin" trace --help | sed -nE 's/^ +-[A-Za-z], (--[a-z-]+) N .*(at most|; 1 to) ([0-9]+)\).*/\1 \3/p')
[ "$("$bin" trace --help | grep -cE '(at most|1 to) [0-9]+\)')" -ge 2 ] || bad "no numeric limits found in trace --help"

# environment: every variable the code reads
sed -n '/^\.SH ENVIRONMENT/,/^\.SH/p' "$tmp/man" >"$tmp/man.env"
[ -s "$tmp/man.env" ] || bad "man page has no ENVIRONMENT section"
for v in $(grep -rhoE 'getenv\("[A-Z_]+"\)' "$src/src" | grep -oE '[A-Z_]{2,}' | sort -u); do
    grep -qw "$v" "$tmp/man.env" || bad "man ENVIRONMENT lacks $v"
    grep -qw "$v" "$readme" || bad "README lacks $v"
    pass=$((pass + 1))
done

echo "docs: $pass checks passed, $fail failed"
[ "$fail" = 0 ]
