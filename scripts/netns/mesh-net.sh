#!/usr/bin/env bash
# mesh-net.sh - emulate N hosts on one Ethernet segment with Linux network
# namespaces, and cut / partition / isolate them, for mesh-node tests.
#
# Layout of a network NET (see README.md beside this file):
#   NET-sw        "switch" namespace: bridge br0 + one port pI per host.
#   NET-1..NET-N  host namespaces: lo, eth0 (veth to NET-sw/pI),
#                 address <prefix>.(10+I)/24, route 224.0.0.0/4 dev eth0.
# Nothing is created in (or routed through) the root network namespace.
set -euo pipefail

PROG="$(basename "$0")"
NETNS_DIR=/var/run/netns # where iproute2 keeps named namespaces
CUT_PROTO=177            # routing-protocol tag on our 'unreachable' routes (reject cuts)
FILTER_PREF_BASE=1000    # tc filter pref on switch port pI for a drop cut of host J: BASE+J
MAX_HOSTS=200
KILL_GRACE="${MESH_NET_KILL_GRACE:-5}" # seconds between SIGTERM and SIGKILL in 'down'

usage() {
  cat <<EOF
Usage: $PROG COMMAND [ARGS]

Network lifecycle
  check                               exit 0 if this machine can run it (root,
                                      netns, veth, bridge, tc); else print the
                                      reason on stderr and exit 1
  up --name NET --hosts N [--subnet A.B.C.0/24]
                                      create NET-sw (switch) and NET-1..NET-N
  down NET                            kill processes in NET's namespaces, delete
                                      them (and so all links); safe to repeat
  list                                list existing networks
  status NET                          hosts, addresses, ports, cuts

Hosts
  addr NET I                          print host I's IPv4 address
  ns NET I                            print host I's namespace name (NET-I)
  exec NET I [--] CMD [ARGS...]       run CMD inside host I (env passed through;
                                      CMD replaces this process, same pid)

Faults (IPv4; see README.md for exactly what is blocked)
  cut NET I J [--drop]                block IPv4 between I and J only, both ways,
                                      unicast and multicast/broadcast alike
                                      (default: reject -> EHOSTUNREACH at once;
                                       --drop: the switch drops -> timeouts)
  heal NET I J                        undo cut I J (either mode)
  partition NET G1 G2 [G3...] [--drop]
                                      cut every pair of hosts in different groups;
                                      a group is a list like "1,2" or "3-5,7"
  isolate NET I [--link-down]         disconnect I from the switch (default:
                                      detach its port -> silent; --link-down:
                                      port down -> I's eth0 loses carrier)
  rejoin NET I                        reconnect I to the switch
  heal-all NET                        remove every cut and rejoin every host

NET: 1-32 chars of [A-Za-z0-9_-], starting with a letter or digit, not ending
in -<digits> or -sw. Default subnet: derived from NET (10.X.Y.0/24).
EOF
}

die() { echo "$PROG: error: $*" >&2; exit 1; }
usage_err() { echo "$PROG: $*" >&2; echo "Run '$PROG help' for usage." >&2; exit 2; }
log() { echo "$PROG: $*" >&2; }

# --- helpers ---------------------------------------------------------------

ns_exists() { [[ -e "$NETNS_DIR/$1" ]]; }

need_root() { [[ "$(id -u)" == 0 ]] || die "must run as root (network namespaces need CAP_SYS_ADMIN/CAP_NET_ADMIN)"; }
need_ip() { command -v ip >/dev/null 2>&1 || die "'ip' (iproute2) not found on PATH"; }

valid_net_name() {
  local n="$1"
  [[ "$n" =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$ ]] || return 1
  [[ "$n" =~ -[0-9]+$ || "$n" =~ -sw$ ]] && return 1
  return 0
}

check_net_name() {
  valid_net_name "$1" || usage_err "invalid network name '$1' (1-32 chars of [A-Za-z0-9_-], first a letter/digit, not ending in -<digits> or -sw)"
}

# require_net NET: NET must exist.
require_net() {
  check_net_name "$1"
  ns_exists "$1-sw" || die "network '$1' does not exist (no namespace $1-sw); create it with '$PROG up --name $1 --hosts N'"
}

# host_indices NET: the I of every existing NET-I namespace, ascending.
host_indices() {
  local f b
  shopt -s nullglob
  for f in "$NETNS_DIR/$1"-*; do
    b="${f##*/}"; b="${b#"$1"-}"
    [[ "$b" =~ ^[0-9]+$ ]] && echo "$b"
  done | sort -n
  shopt -u nullglob
}

# require_host NET I
require_host() {
  [[ "$2" =~ ^[1-9][0-9]*$ ]] || usage_err "host index must be a positive integer, got '$2'"
  ns_exists "$1-$2" || die "network '$1' has no host $2 (no namespace $1-$2)"
}

# host_ip NET I -> IPv4 of eth0 in NET-I
host_ip() {
  local out
  out="$(ip -n "$1-$2" -4 -o addr show dev eth0 2>/dev/null)" || die "cannot read eth0 address of host $2 in '$1'"
  out="$(awk '{print $4}' <<<"$out" | head -n1)"
  [[ -n "$out" ]] || die "host $2 in '$1' has no IPv4 address on eth0"
  echo "${out%/*}"
}

# subnet_prefix NET -> "A.B.C" (from host 1's address)
subnet_prefix() {
  local first
  first="$(host_indices "$1" | head -n1)"
  [[ -n "$first" ]] || die "network '$1' has no hosts"
  local ip; ip="$(host_ip "$1" "$first")"
  echo "${ip%.*}"
}

# ns_sysctl NS KEY=VAL... (KEY as a path below /proc/sys, e.g. net/ipv4/conf/all/rp_filter)
ns_sysctl() {
  local ns="$1"; shift
  ip netns exec "$ns" sh -c 'for kv in "$@"; do printf "%s\n" "${kv#*=}" > "/proc/sys/${kv%%=*}" || exit 1; done' _ "$@"
}

# derive_subnet NET -> 10.X.Y.0/24, X in 100..199, Y in 0..255 (cksum of NET)
derive_subnet() {
  local h; h="$(printf '%s' "$1" | cksum | awk '{print $1}')"
  echo "10.$((100 + h % 100)).$(((h / 100) % 256)).0/24"
}

# parse_subnet A.B.C.0/24 -> A.B.C ; private ranges only
parse_subnet() {
  local s="$1"
  [[ "$s" =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.0/24$ ]] || usage_err "subnet must look like A.B.C.0/24, got '$s'"
  local a="${BASH_REMATCH[1]}" b="${BASH_REMATCH[2]}" c="${BASH_REMATCH[3]}"
  ((a <= 255 && b <= 255 && c <= 255)) || usage_err "bad subnet '$s'"
  if ! ((a == 10 || (a == 172 && b >= 16 && b <= 31) || (a == 192 && b == 168))); then
    usage_err "subnet '$s' is not private (use 10/8, 172.16/12 or 192.168/16)"
  fi
  echo "$a.$b.$c"
}

# parse_group "1,3-5" -> one index per line
parse_group() {
  local g="$1" part lo hi i
  [[ -n "$g" ]] || usage_err "empty host group"
  IFS=',' read -r -a parts <<<"$g"
  for part in "${parts[@]}"; do
    if [[ "$part" =~ ^([1-9][0-9]*)$ ]]; then
      echo "$part"
    elif [[ "$part" =~ ^([1-9][0-9]*)-([1-9][0-9]*)$ ]]; then
      lo="${BASH_REMATCH[1]}"; hi="${BASH_REMATCH[2]}"
      ((lo <= hi)) || usage_err "bad range '$part' in group '$g'"
      for ((i = lo; i <= hi; i++)); do echo "$i"; done
    else
      usage_err "bad host group '$g' (expected e.g. \"1,2\" or \"3-5,7\")"
    fi
  done
}

# --- check -----------------------------------------------------------------

cmd_check() {
  local why=""
  if [[ "$(id -u)" != 0 ]]; then
    why="not root (uid $(id -u)); network namespaces need root"
  elif ! command -v ip >/dev/null 2>&1; then
    why="'ip' (iproute2) is not installed"
  else
    local t="mnchk$$x" err
    # a throwaway switch + host, torn down again
    if ! err="$(
      {
        ip netns add "$t-sw" &&
          ip netns add "$t-h" &&
          ip -n "$t-sw" link add br0 type bridge &&
          ip -n "$t-sw" link set br0 type bridge mcast_snooping 0 &&
          ip -n "$t-sw" link add p1 type veth peer name eth0 netns "$t-h" &&
          ip -n "$t-sw" link set p1 master br0 &&
          ip -n "$t-h" route add unreachable 192.0.2.1/32 proto "$CUT_PROTO" &&
          ns_sysctl "$t-h" net/ipv4/conf/all/rp_filter=1 &&
          drop_qdisc_ensure "$t-sw" p1 &&
          tc -n "$t-sw" filter add dev p1 parent 1: protocol ip pref "$FILTER_PREF_BASE" u32 match ip src 192.0.2.1/32 flowid 1:2
      } 2>&1
    )"; then
      why="cannot create namespaces/veth/bridge here: ${err//$'\n'/; }"
    fi
    ip netns del "$t-h" >/dev/null 2>&1 || true
    ip netns del "$t-sw" >/dev/null 2>&1 || true
  fi
  if [[ -z "$why" ]] && ! command -v tc >/dev/null 2>&1; then
    why="'tc' (iproute2) is not installed (needed for cut --drop)"
  fi
  if [[ -n "$why" ]]; then
    echo "$PROG: unsupported: $why" >&2
    return 1
  fi
  echo "ok: root, iproute2 $(ip -V 2>/dev/null | sed -n 's/.*iproute2-\([^ ,]*\).*/\1/p'), netns/veth/bridge/tc work"
}

# --- up / down / list / status ---------------------------------------------

UP_CREATED=()
UP_DONE=0
up_rollback() {
  if [[ "$UP_DONE" == 0 && ${#UP_CREATED[@]} -gt 0 ]]; then
    log "setup failed; removing what was created: ${UP_CREATED[*]}"
    local ns
    for ns in "${UP_CREATED[@]}"; do ip netns del "$ns" >/dev/null 2>&1 || true; done
  fi
}

cmd_up() {
  local name="" hosts="" subnet=""
  while (($#)); do
    case "$1" in
      --name) name="${2-}"; shift 2 || usage_err "--name needs a value" ;;
      --name=*) name="${1#*=}"; shift ;;
      --hosts) hosts="${2-}"; shift 2 || usage_err "--hosts needs a value" ;;
      --hosts=*) hosts="${1#*=}"; shift ;;
      --subnet) subnet="${2-}"; shift 2 || usage_err "--subnet needs a value" ;;
      --subnet=*) subnet="${1#*=}"; shift ;;
      *) usage_err "up: unknown argument '$1'" ;;
    esac
  done
  [[ -n "$name" ]] || usage_err "up: --name NET is required"
  [[ -n "$hosts" ]] || usage_err "up: --hosts N is required"
  check_net_name "$name"
  [[ "$hosts" =~ ^[1-9][0-9]*$ ]] && ((hosts <= MAX_HOSTS)) || usage_err "up: --hosts must be 1..$MAX_HOSTS, got '$hosts'"
  [[ -n "$subnet" ]] || subnet="$(derive_subnet "$name")"
  local prefix; prefix="$(parse_subnet "$subnet")"
  need_root; need_ip

  local sw="$name-sw" i
  ns_exists "$sw" && die "network '$name' already exists (namespace $sw); run '$PROG down $name' first"
  if [[ -n "$(host_indices "$name")" ]]; then
    die "stale host namespaces of '$name' exist ($(host_indices "$name" | sed "s/^/$name-/" | paste -sd' ')); run '$PROG down $name' first"
  fi

  trap up_rollback EXIT
  # Creating the switch namespace first doubles as a lock against a concurrent 'up' of the same NET.
  ip netns add "$sw" 2>/dev/null || die "cannot create namespace $sw (network '$name' being created concurrently?)"
  UP_CREATED+=("$sw")
  ns_sysctl "$sw" net/ipv6/conf/all/disable_ipv6=1 net/ipv6/conf/default/disable_ipv6=1
  ip -n "$sw" link set lo up
  ip -n "$sw" link add br0 type bridge
  ip -n "$sw" link set br0 type bridge stp_state 0 mcast_snooping 0
  ip -n "$sw" link set br0 multicast on up

  for ((i = 1; i <= hosts; i++)); do
    local h="$name-$i"
    ip netns add "$h" || die "cannot create namespace $h"
    UP_CREATED+=("$h")
    # IPv4 only on eth0 (cuts are IPv4); strict reverse-path filter is what
    # makes a cut drop the peer's multicast/broadcast too (see README).
    ns_sysctl "$h" \
      net/ipv6/conf/default/disable_ipv6=1 \
      net/ipv4/conf/all/rp_filter=1 net/ipv4/conf/default/rp_filter=1
    ip -n "$h" link set lo up
    ip -n "$sw" link add "p$i" type veth peer name eth0 netns "$h"
    ip -n "$sw" link set "p$i" master br0
    ip -n "$sw" link set "p$i" multicast on up
    ip -n "$h" addr add "$prefix.$((10 + i))/24" brd + dev eth0
    ip -n "$h" link set eth0 multicast on up
    ip -n "$h" route add 224.0.0.0/4 dev eth0
  done
  UP_DONE=1
  trap - EXIT
  echo "network $name: $hosts host(s) on $prefix.0/24, switch namespace $sw"
  for ((i = 1; i <= hosts; i++)); do echo "  host $i: namespace $name-$i, eth0 $prefix.$((10 + i))"; done
}

cmd_down() {
  (($# == 1)) || usage_err "usage: $PROG down NET"
  local name="$1"
  check_net_name "$name"
  need_root; need_ip
  local nss=() i
  ns_exists "$name-sw" && nss+=("$name-sw")
  while read -r i; do [[ -n "$i" ]] && nss+=("$name-$i"); done < <(host_indices "$name")
  if ((${#nss[@]} == 0)); then
    echo "network $name: nothing to remove"
    return 0
  fi

  # Processes inside these namespaces (only those), never ourselves.
  local pids=() p ns
  for ns in "${nss[@]}"; do
    while read -r p; do
      [[ "$p" =~ ^[0-9]+$ && "$p" != "$$" && "$p" != "${BASHPID:-$$}" ]] && pids+=("$p")
    done < <(ip netns pids "$ns" 2>/dev/null || true)
  done
  if ((${#pids[@]})); then
    log "stopping ${#pids[@]} process(es) in $name: ${pids[*]}"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    local deadline=$((SECONDS + KILL_GRACE)) alive
    while :; do
      alive=()
      for p in "${pids[@]}"; do proc_alive "$p" && alive+=("$p"); done
      ((${#alive[@]} == 0)) && break
      if ((SECONDS >= deadline)); then
        log "SIGKILL to ${alive[*]}"
        kill -KILL "${alive[@]}" 2>/dev/null || true
        sleep 0.2
        break
      fi
      sleep 0.1
    done
  fi

  local failed=0
  # Hosts first (their eth0 peers vanish with them), then the switch.
  for ((i = ${#nss[@]} - 1; i >= 0; i--)); do
    ns="${nss[i]}"
    ip netns del "$ns" 2>/dev/null || { ns_exists "$ns" && { log "could not delete namespace $ns"; failed=1; }; }
  done
  ((failed == 0)) || die "network $name only partly removed"
  echo "network $name: removed (${#nss[@]} namespace(s))"
}

# proc_alive PID: running and not a zombie
proc_alive() {
  local st
  st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}

cmd_list() {
  shopt -s nullglob
  local f n
  for f in "$NETNS_DIR"/*-sw; do
    n="${f##*/}"; n="${n%-sw}"
    echo "$n $(host_indices "$n" | wc -l) host(s)"
  done
  shopt -u nullglob
}

# port_state NET I -> connected | detached | link-down
port_state() {
  local l; l="$(ip -n "$1-sw" -o link show dev "p$2" 2>/dev/null)" || { echo missing; return; }
  if [[ "$l" != *" master br0 "* ]]; then echo detached
  elif [[ "$l" != *"<"*UP*">"* ]]; then echo link-down
  else echo connected
  fi
}

# cuts_of NET I -> lines "J mode" for each host J that I has a cut to
cuts_of() {
  local net="$1" i="$2" ip
  ip -n "$net-$i" -4 route show proto "$CUT_PROTO" type unreachable 2>/dev/null | awk '{print $2}' | while read -r ip; do
    [[ -n "$ip" ]] && echo "$((${ip##*.} - 10)) reject"
  done
  drop_prefs "$net" "$i" | while read -r ip; do echo "$((ip - FILTER_PREF_BASE)) drop"; done
}

# drop_prefs NET I -> prefs of the drop filters on switch port pI
drop_prefs() {
  tc -n "$1-sw" filter show dev "p$2" parent 1: 2>/dev/null |
    awk '{for (k = 1; k < NF; k++) if ($k == "pref") print $(k + 1)}' | sort -un
}

# drop_qdisc_ensure SWNS PORT: give PORT an egress qdisc that can drop selected
# frames: htb root (unclassified traffic goes out directly, unshaped) whose
# class 1:2 ends in a zero-length fifo, i.e. whatever a filter sends there is dropped.
drop_qdisc_ensure() {
  tc -n "$1" qdisc show dev "$2" root 2>/dev/null | grep -q '^qdisc htb 1: ' && return 0
  tc -n "$1" qdisc add dev "$2" root handle 1: htb default 0 &&
    tc -n "$1" class add dev "$2" parent 1: classid 1:2 htb rate 8bit quantum 1514 &&
    tc -n "$1" qdisc add dev "$2" parent 1:2 handle 2: pfifo limit 0
}

cmd_status() {
  (($# == 1)) || usage_err "usage: $PROG status NET"
  require_net "$1"
  local net="$1" i j mode
  local idx; idx="$(host_indices "$net")"
  echo "network $net: $(wc -w <<<"$idx") host(s) on $(subnet_prefix "$net").0/24, switch $net-sw"
  for i in $idx; do
    echo "  host $i: $(host_ip "$net" "$i") port $(port_state "$net" "$i")"
  done
  local any=0
  for i in $idx; do
    while read -r j mode; do
      [[ -n "$j" ]] || continue
      ((i < j)) && { echo "  cut $i <-> $j ($mode)"; any=1; }
    done < <(cuts_of "$net" "$i")
  done
  ((any)) || echo "  no cuts"
}

# --- faults ----------------------------------------------------------------

# heal_one NET I J IPJ : remove host I's side of a cut with host J (both modes)
heal_one() {
  ip -n "$1-$2" route del unreachable "$4/32" proto "$CUT_PROTO" 2>/dev/null || true
  tc -n "$1-sw" filter del dev "p$2" parent 1: protocol ip pref "$((FILTER_PREF_BASE + $3))" 2>/dev/null || true
}

# cut_one NET I J IPJ MODE : host I stops exchanging IPv4 with host J (IPJ)
cut_one() {
  case "$5" in
    reject)
      # In host I: sends to IPJ fail at once with EHOSTUNREACH; and since strict
      # rp_filter now finds no route back to IPJ, everything arriving from IPJ
      # (unicast, multicast, broadcast) is dropped on input.
      ip -n "$1-$2" route replace unreachable "$4/32" proto "$CUT_PROTO"
      ;;
    drop)
      command -v tc >/dev/null 2>&1 || die "cut --drop needs 'tc' (iproute2)"
      # In the switch: IPv4 frames from IPJ leaving port pI (towards I) are
      # dropped (unicast, multicast, broadcast); the hosts are not touched.
      drop_qdisc_ensure "$1-sw" "p$2"
      tc -n "$1-sw" filter add dev "p$2" parent 1: protocol ip pref "$((FILTER_PREF_BASE + $3))" \
        u32 match ip src "$4/32" flowid 1:2
      ;;
  esac
}

# pair_op NET I J (cut MODE | heal) ; IPs given to avoid re-reading
pair_op() {
  local net="$1" i="$2" j="$3" ipi="$4" ipj="$5" op="$6" mode="${7-}"
  heal_one "$net" "$i" "$j" "$ipj"
  heal_one "$net" "$j" "$i" "$ipi"
  if [[ "$op" == cut ]]; then
    cut_one "$net" "$i" "$j" "$ipj" "$mode"
    cut_one "$net" "$j" "$i" "$ipi" "$mode"
  fi
}

# split_mode ARGS... -> sets MODE and POS (positional args without --drop/--reject)
split_mode() {
  MODE=reject; POS=()
  local a
  for a in "$@"; do
    case "$a" in
      --drop) MODE=drop ;;
      --reject) MODE=reject ;;
      --*) usage_err "unknown option '$a'" ;;
      *) POS+=("$a") ;;
    esac
  done
}

cmd_cut_heal() {
  local op="$1"; shift
  split_mode "$@"
  ((${#POS[@]} == 3)) || usage_err "usage: $PROG $op NET I J$([[ $op == cut ]] && echo ' [--drop]')"
  [[ "$op" == heal && "$MODE" == drop ]] && usage_err "heal takes no --drop"
  local net="${POS[0]}" i="${POS[1]}" j="${POS[2]}"
  need_root; need_ip
  require_net "$net"; require_host "$net" "$i"; require_host "$net" "$j"
  [[ "$i" != "$j" ]] || usage_err "$op: I and J must differ"
  pair_op "$net" "$i" "$j" "$(host_ip "$net" "$i")" "$(host_ip "$net" "$j")" "$op" "$MODE"
  if [[ "$op" == cut ]]; then echo "cut $i <-> $j ($MODE)"; else echo "healed $i <-> $j"; fi
}

cmd_partition() {
  split_mode "$@"
  ((${#POS[@]} >= 3)) || usage_err "usage: $PROG partition NET G1 G2 [G3...] [--drop]   (groups like \"1,2\" \"3-5\")"
  local net="${POS[0]}"
  need_root; need_ip
  require_net "$net"
  local -A group_of=() ip_of=()
  local g k i j
  local members_g
  for ((g = 1; g < ${#POS[@]}; g++)); do
    members_g="$(parse_group "${POS[g]}")" # (exits on a malformed group)
    for i in $members_g; do
      require_host "$net" "$i"
      [[ -z "${group_of[$i]-}" ]] || usage_err "partition: host $i is in more than one group"
      group_of[$i]=$g
      ip_of[$i]="$(host_ip "$net" "$i")"
    done
  done
  local members=("${!group_of[@]}") n=0
  for ((k = 0; k < ${#members[@]}; k++)); do
    for ((g = k + 1; g < ${#members[@]}; g++)); do
      i="${members[k]}"; j="${members[g]}"
      if [[ "${group_of[$i]}" != "${group_of[$j]}" ]]; then
        pair_op "$net" "$i" "$j" "${ip_of[$i]}" "${ip_of[$j]}" cut "$MODE"
        n=$((n + 1))
      fi
    done
  done
  local desc=""
  for ((g = 1; g < ${#POS[@]}; g++)); do desc+="${desc:+ | }${POS[g]}"; done
  echo "partitioned $net: $desc ($n pair(s) cut, $MODE)"
}

cmd_heal_all() {
  (($# == 1)) || usage_err "usage: $PROG heal-all NET"
  local net="$1" i
  need_root; need_ip
  require_net "$net"
  for i in $(host_indices "$net"); do
    local h="$net-$i"
    ip -n "$h" route flush proto "$CUT_PROTO" 2>/dev/null || true
    tc -n "$net-sw" qdisc del dev "p$i" root 2>/dev/null || true
    rejoin_port "$net" "$i"
  done
  echo "healed all of $net"
}

rejoin_port() {
  local sw="$1-sw" p="p$2"
  ip -n "$sw" link show dev "$p" >/dev/null 2>&1 || die "switch port $p of '$1' is missing"
  [[ "$(port_state "$1" "$2")" == detached ]] && ip -n "$sw" link set "$p" master br0
  ip -n "$sw" link set "$p" up
}

cmd_isolate() {
  local linkdown=0 pos=() a
  for a in "$@"; do
    case "$a" in
      --link-down) linkdown=1 ;;
      --*) usage_err "isolate: unknown option '$a'" ;;
      *) pos+=("$a") ;;
    esac
  done
  ((${#pos[@]} == 2)) || usage_err "usage: $PROG isolate NET I [--link-down]"
  local net="${pos[0]}" i="${pos[1]}"
  need_root; need_ip
  require_net "$net"; require_host "$net" "$i"
  if ((linkdown)); then
    ip -n "$net-sw" link set "p$i" down
    echo "isolated host $i (switch port down, eth0 has no carrier)"
  else
    ip -n "$net-sw" link set "p$i" nomaster
    echo "isolated host $i (switch port detached, eth0 still up)"
  fi
}

cmd_rejoin() {
  (($# == 2)) || usage_err "usage: $PROG rejoin NET I"
  need_root; need_ip
  require_net "$1"; require_host "$1" "$2"
  rejoin_port "$1" "$2"
  echo "rejoined host $2"
}

# --- dispatch --------------------------------------------------------------

main() {
  (($#)) || { usage >&2; exit 2; }
  local cmd="$1"; shift
  case "$cmd" in
    -h | --help | help) usage ;;
    check) cmd_check ;;
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    list) cmd_list ;;
    status) cmd_status "$@" ;;
    addr)
      (($# == 2)) || usage_err "usage: $PROG addr NET I"
      require_net "$1"; require_host "$1" "$2"; host_ip "$1" "$2" ;;
    ns)
      (($# == 2)) || usage_err "usage: $PROG ns NET I"
      require_net "$1"; require_host "$1" "$2"; echo "$1-$2" ;;
    exec)
      (($# >= 3)) || usage_err "usage: $PROG exec NET I [--] CMD [ARGS...]"
      local net="$1" i="$2"; shift 2
      [[ "${1-}" == -- ]] && shift
      (($#)) || usage_err "exec: missing command"
      need_root
      require_net "$net"; require_host "$net" "$i"
      exec ip netns exec "$net-$i" "$@" ;;
    cut | heal) cmd_cut_heal "$cmd" "$@" ;;
    partition) cmd_partition "$@" ;;
    heal-all) cmd_heal_all "$@" ;;
    isolate) cmd_isolate "$@" ;;
    rejoin) cmd_rejoin "$@" ;;
    *) usage_err "unknown command '$cmd'" ;;
  esac
}

main "$@"
