# pathmortem.bash - bash completion for pathmortem: subcommands, each one's options, and the values options take.
# Installed as share/bash-completion/completions/pathmortem. golden.completion holds the
# option lists below to each subcommand's --help (the program is the one source).

declare -gA _pathmortem_options=(
  [trace]="--allow-large --asn-db --classic --color --compare-methods --first-ttl --flow --format --gaplimit --geo-db --interface --max-ttl --method --mrt-dir --no-pcap --no-progress --no-stopset --numeric --output --port --presets --progress --queries --rate --retries --source --split-ttl --target-timeout --targets --timeout --user --verbose --wait --write -I -M -T -U -W -f -i -m -n -o -p -q -r -s -w --help"
  [watch]="--allow-large --asn-db --classic --first-ttl --flow --format --gaplimit --geo-db --interface --interval --max-ttl --method --no-pcap --no-stopset --numeric --output --port --presets --queries --rate --report --retries --source --split-ttl --target-timeout --targets --timeout --user --wait --write -I -M -T -U -W -f -i -m -n -o -p -q -r -s -w --help"
  [analyze]="--asn-db --color --format --gaplimit --geo-db --mrt-dir --names --output --preset --presets --run --user --vantage --verbose -o --help"
  [show]="--color --format --output --user --verbose -o --help"
  [snapshot]="--allow-large --asn-db --classic --color --compare-methods --first-ttl --flow --format --gaplimit --geo-db --history-days --interface --keep-count --keep-hops --keep-pcaps --max-ttl --method --mrt-dir --no-pcap --no-progress --no-stopset --numeric --output --pcap-to-store --port --presets --progress --prom --queries --quiet --rate --retries --source --split-ttl --spool --store --target-timeout --targets --timeout --user --vantage --verbose --wait --write -I -M -T -U -W -f -i -m -n -o -p -q -r -s -w --help"
  [history]="--by-vantage --format --output --prefix --since --store --until -o --help"
  [diff]="--format --prefix --store --summary --vantage --help"
  [export]="--output --since --store --until --vantage -o --help"
  [import]="--asn-db --geo-db --preset --store --help"
  [store]="--output --store --vantage -o --help"
  [bgp]="--help"
  [geo-build]="--kind -o --help"
  [geo-lookup]="--asn-db --format --geo-db --help"
  [geo-verify]="--help"
)
_pathmortem_commands="trace watch analyze show snapshot history diff export import geo store bgp"
# commands whose first word is a subcommand (geo's each have their own options)
declare -gA _pathmortem_subcommands=([geo]="build lookup verify" [store]="init pcap" [bgp]="dump state")

_pathmortem() {
  local cur prev cmd key i
  COMPREPLY=()
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD - 1]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    mapfile -t COMPREPLY < <(compgen -W "$_pathmortem_commands --help --version" -- "$cur")
    return 0
  fi
  cmd=${COMP_WORDS[1]}
  key=$cmd
  if [ -n "${_pathmortem_subcommands[$cmd]:-}" ]; then
    if [ "$COMP_CWORD" -eq 2 ]; then
      mapfile -t COMPREPLY < <(compgen -W "${_pathmortem_subcommands[$cmd]} --help" -- "$cur")
      return 0
    fi
    [ "$cmd" != geo ] || key=geo-${COMP_WORDS[2]}
  fi
  case $prev in
    -m | --method) mapfile -t COMPREPLY < <(compgen -W "icmp udp tcp" -- "$cur"); return 0 ;;
    --color) mapfile -t COMPREPLY < <(compgen -W "auto never always" -- "$cur"); return 0 ;;
    --kind) mapfile -t COMPREPLY < <(compgen -W "asn city" -- "$cur"); return 0 ;;
    --format)
      case $key in
        history) i="text json csv svg" ;;
        diff | geo-lookup | watch) i="text json" ;;
        *) i="text json csv dot svg html" ;;
      esac
      mapfile -t COMPREPLY < <(compgen -W "$i" -- "$cur")
      return 0 ;;
    -i | --interface) mapfile -t COMPREPLY < <(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur"); return 0 ;;
    --user) mapfile -t COMPREPLY < <(compgen -u -- "$cur"); return 0 ;;
    -w | --write | -o | --output | -T | --targets | --asn-db | --geo-db | --presets | --store | --prom)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur"); compopt -o filenames 2>/dev/null; return 0 ;;
    -p | --port | -f | --first-ttl | -M | --max-ttl | -q | --queries | -W | --wait | -r | --rate | --flow | \
      --retries | --gaplimit | --split-ttl | --target-timeout | --timeout | -s | --source | --run | --vantage | \
      --preset | --since | --until | --prefix | --keep-pcaps | --keep-count | --keep-hops | --history-days | --report | --interval)
      return 0 ;; # a value of the user's own
  esac
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "${_pathmortem_options[$key]:-}" -- "$cur")
    return 0
  fi
  case $key in
    analyze | show | import | geo-build | geo-verify | bgp) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); compopt -o filenames 2>/dev/null ;;
    trace | watch | snapshot) mapfile -t COMPREPLY < <(compgen -W "starjv lab-starjv" -- "$cur") ;;
  esac
  return 0
}
complete -F _pathmortem pathmortem
