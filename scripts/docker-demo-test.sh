#!/usr/bin/env bash
# The docker demo, end to end, as a test (docker/README.md):
#   1. installs docker.io, docker-compose and debootstrap with apt when missing;
#   2. starts dockerd if none runs (and stops only that one at the end);
#   3. without a reachable image registry, builds a local Node 24 base image;
#   4. packs the CLI, builds the image, brings up the three nodes, and asserts
#      that they discover each other and that a task, a vote and an auction
#      work across containers;
#   5. `down` and `up` with the volumes kept: the same peers mesh again;
#   6. `down -v`.
# Skips (exit 0, with the reason) only where Docker cannot run at all.
# Env: MESH_NODE_BASE=<image> to use a given base image.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
source "$here/lib-env.sh"
ensure_toolchain
cd "$MESH_ROOT"

t_start=$(date +%s)
say() { echo "==> [docker-demo] $*" >&2; }
skip() {
  echo "==> [docker-demo] SKIPPED: $*" >&2
  exit 0
}
fail() {
  echo "==> [docker-demo] FAILED: $*" >&2
  exit 1
}
now() { date +%s.%N; }
since() { node -p "($(now) - $1).toFixed(1)"; }

work="$(mktemp -d "${TMPDIR:-/tmp}/mesh-docker-demo.XXXXXX")"
dockerd_pid=""
project="meshdemo$$"
compose=()

cleanup() {
  local code=$?
  if [ ${#compose[@]} -gt 0 ]; then
    [ "$code" = 0 ] || "${compose[@]}" logs --tail=40 >&2 2>&1 || true
    "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
    docker rmi "mesh-node:$MESH_NODE_TAG" >/dev/null 2>&1 || true
  fi
  if [ -n "$dockerd_pid" ]; then
    say "stopping the dockerd this test started (pid $dockerd_pid)"
    kill "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.5; done
  fi
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT

# --- 1. tools -----------------------------------------------------------------
install_tools() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || skip "needs ${missing[*]}, and only root can install them"
  command -v apt-get >/dev/null || skip "needs ${missing[*]} and there is no apt-get to install them"
  say "installing ${missing[*]} with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" >"$work/apt.log" 2>&1 ||
    { apt-get update -q >>"$work/apt.log" 2>&1 && apt-get install -y -q "${missing[@]}" >>"$work/apt.log" 2>&1; } ||
    skip "apt-get could not install ${missing[*]}: $(tail -3 "$work/apt.log")"
}

# --- 2. dockerd ---------------------------------------------------------------
ensure_dockerd() {
  docker info >/dev/null 2>&1 && return 0
  [ "$(id -u)" = 0 ] || skip "no Docker engine runs and only root can start one"
  say "starting dockerd"
  dockerd >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && return 0
    kill -0 "$dockerd_pid" 2>/dev/null || {
      dockerd_pid=""
      skip "dockerd cannot run here: $(tail -3 "$work/dockerd.log")"
    }
    sleep 0.5
  done
  skip "dockerd did not answer within 60 s: $(tail -3 "$work/dockerd.log")"
}

# --- 3. base image ------------------------------------------------------------
pick_base() {
  if [ -n "${MESH_NODE_BASE:-}" ]; then return 0; fi
  if docker image inspect node:24-slim >/dev/null 2>&1 || timeout 60 docker pull -q node:24-slim >/dev/null 2>&1; then
    MESH_NODE_BASE=node:24-slim
    return 0
  fi
  MESH_NODE_BASE="mesh-node-base:node-$(node -p process.versions.node)-bookworm"
  if ! docker image inspect "$MESH_NODE_BASE" >/dev/null 2>&1; then
    say "no image registry reachable: building $MESH_NODE_BASE with debootstrap"
    local t=$(now)
    bash scripts/docker-base-image.sh "$MESH_NODE_BASE"
    say "base image built in $(since "$t") s"
  fi
}

# --- helpers on the running demo ---------------------------------------------
cid() { "${compose[@]}" ps -q "$1"; }
# mesh-node inside a service's container; stdout only.
mn() {
  local svc=$1
  shift
  docker exec "$(cid "$svc")" mesh-node "$@"
}
# Runs a JS predicate on JSON text: check 'JSON' 'j => ...' 'what it asserts'.
check() {
  node -e 'const [text, pred, what] = process.argv.slice(1)
    let ok = false
    try { ok = eval(pred)(JSON.parse(text)) === true } catch (e) { console.error(e.message) }
    if (!ok) { console.error(`assertion failed: ${what}\n${text}`); process.exit(1) }' "$1" "$2" "$3"
}
peer_ids() { for s in node-a node-b node-c; do mn "$s" id --json | node -p 'JSON.parse(require("fs").readFileSync(0)).peerId'; done; }

# Waits (deadline in s) until every node lists the two others in `peers`.
wait_mesh() {
  local deadline=$(($(date +%s) + $1)) ids s
  # A container that was just (re)started may not serve its API yet: wait for each daemon first.
  for s in node-a node-b node-c; do
    mn "$s" wait --peers 0 --timeout "$1s" >/dev/null || fail "$s: the daemon did not come up within $1 s"
  done
  mapfile -t ids < <(peer_ids)
  [ "${#ids[@]}" = 3 ] || fail "could not read the three peer ids (got ${#ids[@]})"
  local svcs=(node-a node-b node-c)
  while :; do
    local full=1 i j
    for i in 0 1 2; do
      local peers
      peers="$(mn "${svcs[$i]}" peers --json 2>/dev/null || echo '[]')"
      for j in 0 1 2; do
        [ "$i" = "$j" ] && continue
        grep -q "${ids[$j]}" <<<"$peers" || full=0
      done
    done
    [ "$full" = 1 ] && return 0
    [ "$(date +%s)" -lt "$deadline" ] || fail "the three nodes did not form a full mesh within $1 s"
    sleep 1
  done
}

# A task, a vote and an auction, all asked from node-c, which has no agents.
assert_work() {
  local a_id=$1 b_id=$2 out deadline=$(($(date +%s) + 60))
  until out="$(mn node-c agents --json)" && check "$out" 'j => j.length === 2' 'two agents' 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "node-c did not see both agents in 60 s: $out"
    sleep 1
  done
  out="$(mn node-c submit --capability echo --input '"hello mesh"' --json)"
  check "$out" "j => j.status === 'completed' && j.result === 'hello mesh' && j.executor === '$a_id'" \
    'echo task ran on node-a'
  out="$(mn node-c submit --capability text.wordcount --input '{"text":"tasks run anywhere in the mesh"}' --json)"
  check "$out" "j => j.status === 'completed' && j.result.words === 6 && j.executor === '$b_id'" \
    'wordcount task ran on node-b'
  out="$(mn node-c vote --question 'ship it?' --options yes,no --json)"
  check "$out" "j => j.quorumMet && j.choice === 'yes' && j.votes.map((v) => v.peerId).sort().join() === ['$a_id', '$b_id'].sort().join()" \
    'node-a and node-b both voted'
  out="$(mn node-c auction --capability text.wordcount --input '"a b c"' --json)"
  check "$out" "j => j.status === 'completed' && j.winnerPeerId === '$b_id' && j.result.words === 3" \
    'node-b won the auction and ran the task'
}

# --- the test -----------------------------------------------------------------
install_tools
ensure_dockerd
pick_base
export MESH_NODE_BASE MESH_NODE_TAG="demo-test-$$"
if command -v docker-compose >/dev/null; then compose=(docker-compose); else compose=(docker compose); fi
compose+=(-f docker/compose.yaml -p "$project")
say "compose: ${compose[*]:0:2}, base: $MESH_NODE_BASE"

say "pack and build"
bash scripts/pack.sh --out "$MESH_ROOT" >/dev/null
t=$(now)
"${compose[@]}" build -q >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; fail "image build failed"; }
build_s=$(since "$t")
image_mb=$(docker image inspect -f '{{.Size}}' "mesh-node:$MESH_NODE_TAG" | node -p 'Math.round(Number(require("fs").readFileSync(0)) / 1e6)')
[ "$image_mb" -lt 250 ] || fail "image is $image_mb MB, over the 250 MB target"
say "image mesh-node:$MESH_NODE_TAG: $image_mb MB, built in $build_s s"

t=$(now)
"${compose[@]}" up -d >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "compose up failed"; }
wait_mesh 120
mesh_s=$(since "$t")
say "full mesh $mesh_s s after up"
mapfile -t ids < <(peer_ids)
assert_work "${ids[0]}" "${ids[1]}"
say "task, vote and auction worked across containers"

say "down and up with the volumes kept"
"${compose[@]}" down >>"$work/up.log" 2>&1
t=$(now)
"${compose[@]}" up -d >>"$work/up.log" 2>&1
wait_mesh 120
reform_s=$(since "$t")
mapfile -t again < <(peer_ids)
[ "${again[*]}" = "${ids[*]}" ] || fail "peer ids changed across down/up with volumes kept: ${ids[*]} -> ${again[*]}"
assert_work "${ids[0]}" "${ids[1]}"
for s in node-a node-b node-c; do
  restarts=$(docker inspect -f '{{.RestartCount}}' "$(cid "$s")")
  [ "$restarts" = 0 ] || fail "$s restarted $restarts times"
done
say "mesh re-formed $reform_s s after up, same peer ids"

"${compose[@]}" down -v >>"$work/up.log" 2>&1
left=$(docker volume ls -q --filter "name=${project}_" | wc -l)
[ "$left" = 0 ] || fail "down -v left $left volumes"
compose=()
docker rmi "mesh-node:$MESH_NODE_TAG" >/dev/null 2>&1 || true
say "passed in $(($(date +%s) - t_start)) s (image $image_mb MB, build $build_s s, up to full mesh $mesh_s s, re-form $reform_s s)"
