#!/usr/bin/env bash
# selftest.sh - end-to-end check of mesh-net.sh on this machine: brings up a
# 3-host network, checks TCP and multicast reachability before/after every kind
# of fault, tears it down and checks nothing is left. Exit 0 = all passed;
# exit 77 = this machine cannot run network namespaces (skip).
#
#   bash scripts/netns/selftest.sh [NET]      (needs root and a `node` on PATH)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
M="$HERE/mesh-net.sh"
PROBE="$HERE/netprobe.mjs"
NET="${1:-st$$}"
PORT=7000
MPORT=5454
GROUP=224.0.0.251
FAILS=0
SERVER_PIDS=()

if ! why="$("$M" check 2>&1)"; then
  echo "SKIP: $why"
  exit 77
fi
command -v node >/dev/null || { echo "selftest: no node on PATH" >&2; exit 1; }

cleanup() {
  "$M" down "$NET" >/dev/null 2>&1 || true
}
trap cleanup EXIT

pass() { echo "  PASS $*"; }
failed() { echo "  FAIL $*"; FAILS=$((FAILS + 1)); }

# tcp FROM TO EXPECT   EXPECT: ok | reject (fast error) | timeout (silent drop) | fail (any non-ok)
tcp() {
  local from="$1" to="$2" want="$3" out rc=0 code ms
  out="$("$M" exec "$NET" "$from" -- node "$PROBE" tcp-probe "$("$M" addr "$NET" "$to")" "$PORT" 1500)" || rc=$?
  code="${out%% *}"; ms="${out##* }"
  local got
  case "$rc" in 0) got=ok ;; 1) got=reject ;; 2) got=timeout ;; *) got="error($rc)" ;; esac
  if [[ "$got" == "$want" || ("$want" == fail && "$got" != ok) ]]; then
    pass "tcp $from->$to: $code in $ms (want $want)"
  else
    failed "tcp $from->$to: $code in $ms (want $want)"
  fi
}

# mcast "EXPECTED1" "EXPECTED2" "EXPECTED3": every host sends and listens on
# GROUP:MPORT at once; EXPECTEDi = the host indices host i must hear, e.g. "2 3".
mcast() {
  local i pids=() want got
  for i in 1 2 3; do
    "$M" exec "$NET" "$i" -- node "$PROBE" mcast-peer "$GROUP" "$MPORT" 1200 >"$TMP/mc$i" &
    pids+=($!)
  done
  wait "${pids[@]}"
  for i in 1 2 3; do
    want="${!i}"
    got="$(tr ' ' '\n' <"$TMP/mc$i" | sed -n 's/.*\.\([0-9]*\)$/\1/p' | awk '{print $1 - 10}' | sort -n | paste -sd' ')"
    if [[ "$got" == "$want" ]]; then
      pass "multicast: host $i hears [${got}]"
    else
      failed "multicast: host $i hears [${got}], want [${want}]"
    fi
  done
}

step() { echo "== $*"; }

TMP="$(mktemp -d)"
trap 'cleanup; rm -rf "$TMP"' EXIT
ip -o link show | awk -F': ' '{print $2}' | sort >"$TMP/links.before"

step "check: $why"
step "up"
"$M" up --name "$NET" --hosts 3
if "$M" up --name "$NET" --hosts 3 >/dev/null 2>&1; then failed "second 'up' of the same NET succeeded"; else pass "second 'up' of $NET refused"; fi
ip -o link show | awk -F': ' '{print $2}' | sort >"$TMP/links.during"
if cmp -s "$TMP/links.before" "$TMP/links.during"; then pass "root namespace links untouched"; else failed "root namespace links changed"; fi

for i in 1 2 3; do
  "$M" exec "$NET" "$i" -- node "$PROBE" tcp-serve "$PORT" >/dev/null &
  SERVER_PIDS+=($!)
done
sleep 0.8

step "baseline"
tcp 1 3 ok; tcp 3 1 ok; tcp 1 2 ok; tcp 2 3 ok
mcast "2 3" "1 3" "1 2"

step "cut 1 3 (reject)"
"$M" cut "$NET" 1 3
tcp 1 3 reject; tcp 3 1 reject; tcp 1 2 ok; tcp 2 3 ok
mcast "2" "1 3" "2"
"$M" status "$NET"

step "heal 1 3"
"$M" heal "$NET" 1 3
tcp 1 3 ok; tcp 3 1 ok
mcast "2 3" "1 3" "1 2"

step "cut 1 3 --drop"
"$M" cut "$NET" 1 3 --drop
tcp 1 3 timeout; tcp 3 1 timeout; tcp 1 2 ok; tcp 3 2 ok
mcast "2" "1 3" "2"

step "heal 1 3"
"$M" heal "$NET" 1 3
tcp 1 3 ok; tcp 3 1 ok
mcast "2 3" "1 3" "1 2"

step "partition 1 | 2,3"
"$M" partition "$NET" 1 2,3
tcp 1 2 reject; tcp 1 3 reject; tcp 2 1 reject; tcp 2 3 ok; tcp 3 2 ok
mcast "" "3" "2"
"$M" status "$NET"

step "heal-all"
"$M" heal-all "$NET"
tcp 1 2 ok; tcp 1 3 ok; tcp 2 1 ok
mcast "2 3" "1 3" "1 2"

step "partition 1,2 | 3 --drop, then heal-all"
"$M" partition "$NET" 1,2 3 --drop
tcp 1 3 timeout; tcp 2 3 timeout; tcp 1 2 ok
mcast "2" "1" ""
"$M" heal-all "$NET"
tcp 1 3 ok; tcp 2 3 ok
mcast "2 3" "1 3" "1 2"

step "isolate 2 (port detached)"
"$M" isolate "$NET" 2
tcp 1 2 fail; tcp 2 3 fail; tcp 1 3 ok
mcast "3" "" "1"
"$M" status "$NET"

step "rejoin 2"
"$M" rejoin "$NET" 2
tcp 1 2 ok; tcp 2 3 ok
mcast "2 3" "1 3" "1 2"

step "isolate 2 --link-down"
"$M" isolate "$NET" 2 --link-down
tcp 1 2 fail; tcp 2 3 fail; tcp 1 3 ok
mcast "3" "" "1"

step "heal-all also rejoins"
"$M" heal-all "$NET"
tcp 1 2 ok; tcp 2 3 ok
mcast "2 3" "1 3" "1 2"

step "down"
"$M" down "$NET"
for p in "${SERVER_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
if ip netns list | awk '{print $1}' | grep -Eq "^$NET-(sw|[0-9]+)$"; then failed "namespaces left: $(ip netns list | grep "^$NET-" | paste -sd' ')"; else pass "no namespaces of $NET left"; fi
ip -o link show | awk -F': ' '{print $2}' | sort >"$TMP/links.after"
if cmp -s "$TMP/links.before" "$TMP/links.after"; then pass "root namespace links as before"; else failed "root namespace links differ: $(diff "$TMP/links.before" "$TMP/links.after" | paste -sd' ')"; fi
if out="$("$M" down "$NET")"; then pass "second 'down': $out"; else failed "second 'down' failed"; fi

echo
if ((FAILS)); then echo "selftest: $FAILS check(s) FAILED"; exit 1; fi
echo "selftest: all checks passed"
