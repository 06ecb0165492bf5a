#!/usr/bin/env bash
# completion.sh - the bash and zsh completions know every option of every subcommand's --help and no other, and the bash one completes; completion.sh PATHMORTEM SOURCE_DIR
set -u
bin=$(realpath "${1:?usage: completion.sh PATHMORTEM SOURCE_DIR}")
src=${2:?usage: completion.sh PATHMORTEM SOURCE_DIR}
bash_file=$src/contrib/completion/pathmortem.bash
zsh_file=$src/contrib/completion/_pathmortem
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pm-compl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# list FILE KEY: the option list a completion file holds for KEY ("trace", "geo-build")
list() { sed -nE "s/^  \[$2\]=[\"'](.*)[\"']\$/\1/p" "$1" | tr ' ' '\n' | grep . | sort -u; }

# the program's own command list, geo's subcommands as geo-NAME
keys=""
for c in $("$bin" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'); do
    if [ "$c" = geo ]; then
        for s in $("$bin" geo --help | grep -oE "'pathmortem geo [a-z]+ --help'" | awk '{print $3}'); do keys+=" geo-$s"; done
        for s in verify; do case " $keys " in *" geo-$s "*) ;; *) keys+=" geo-$s" ;; esac; done
    else
        keys+=" $c"
    fi
done
[ -n "$keys" ] || bad "no commands in 'pathmortem --help'"
grep -q "^_pathmortem_commands=\"$("$bin" --help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {printf "%s%s", s, $1; s=" "}')\"\$" "$bash_file" ||
    bad "bash: _pathmortem_commands is not the program's command list"

for k in $keys; do
    "$bin" ${k/-/ } --help >"$tmp/help" 2>&1 || bad "${k/-/ } --help exits non-zero"
    # snapshot takes the trace options too ("[trace options]")
    if grep -q '\[trace options\]' "$tmp/help"; then "$bin" trace --help >>"$tmp/help" 2>&1; fi
    # the option column of the help: "  -m, --method icmp|udp|tcp  text" gives -m and --method
    sed -nE 's/^ {1,8}(-[^ ]([^ ]| [^ ])*).*/\1/p' "$tmp/help" | grep -oE -- '(^|[ ,])(-[A-Za-z]|--[a-z][a-z0-9-]*)' |
        tr -d ' ,' | grep -vx -- --help | sort -u >"$tmp/defined"
    [ -s "$tmp/defined" ] || [ "$k" != trace ] || bad "no options found in trace --help"
    for f in "$bash_file" "$zsh_file"; do
        list "$f" "$k" >"$tmp/have"
        [ -s "$tmp/have" ] || { bad "$(basename "$f"): no option list for $k"; continue; }
        # every option the help defines (its option column) is completed
        for o in $(cat "$tmp/defined"); do
            grep -qx -- "$o" "$tmp/have" || bad "$(basename "$f"): $k lacks $o"
            pass=$((pass + 1))
        done
        # and nothing is completed that the help does not name as an option
        for o in $(grep -vx -- --help "$tmp/have"); do
            grep -qx -- "$o" "$tmp/defined" || bad "$(basename "$f"): $k completes $o, which its --help does not define"
        done
    done
done

# the bash function itself: a subcommand, an option, a value
complete_words() { # WORDS... : what _pathmortem offers for the last word
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _pathmortem; printf "%s\n" "${COMPREPLY[@]}"' _ "$bash_file" "$@"
}
[ "$(complete_words pathmortem tra)" = trace ] || bad "bash: 'pathmortem tra' does not complete to trace"
complete_words pathmortem trace --numer | grep -qx -- --numeric || bad "bash: 'trace --numer' does not offer --numeric"
[ "$(complete_words pathmortem trace -m u)" = udp ] || bad "bash: 'trace -m u' does not complete to udp"
[ "$(complete_words pathmortem history --format s)" = svg ] || bad "bash: 'history --format s' does not offer svg"
complete_words pathmortem geo b | grep -qx build || bad "bash: 'geo b' does not offer build"
[ "$(complete_words pathmortem store i)" = init ] || bad "bash: 'store i' does not complete to init"
pass=$((pass + 6))

# zsh parses its file (zsh is in scripts/bootstrap.sh)
if command -v zsh >/dev/null; then
    zsh -n "$zsh_file" || bad "zsh: $zsh_file does not parse"
else
    bad "zsh is not installed (scripts/bootstrap.sh installs it)"
fi

# installed with the program (issue 15): `cmake --install` of this build puts both where
# bash-completion and zsh look under the prefix, byte for byte, beside the man page
build=$(dirname "$bin")
if [ -f "$build/cmake_install.cmake" ]; then
    cmake --install "$build" --prefix "$tmp/inst" >/dev/null 2>&1 || bad "cmake --install failed"
    cmp -s "$bash_file" "$tmp/inst/share/bash-completion/completions/pathmortem" && pass=$((pass + 1)) ||
        bad "bash completion not installed as share/bash-completion/completions/pathmortem"
    cmp -s "$zsh_file" "$tmp/inst/share/zsh/site-functions/_pathmortem" && pass=$((pass + 1)) ||
        bad "zsh completion not installed as share/zsh/site-functions/_pathmortem"
    cmp -s "$src/man/pathmortem.1" "$tmp/inst/share/man/man1/pathmortem.1" && pass=$((pass + 1)) ||
        bad "man page not installed as share/man/man1/pathmortem.1"
else
    bad "$build is no CMake build directory: cannot check what is installed"
fi

echo "completion: $pass checks passed, $fail failed"
[ "$fail" = 0 ]
