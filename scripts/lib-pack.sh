# Sourced by pack.sh and sea.sh: the toolchain, the repo root as working
# directory, and the flags both take:
#   --out DIR   where the artifact goes (default: the repo root)
#   --no-build  for callers that just built (the install and SEA tests run
#               after `pnpm build`)
# parse_pack_args sets $out and $build; build_workspace builds unless --no-build.
source "$(dirname "${BASH_SOURCE[0]}")/lib-env.sh"
ensure_toolchain
cd "$MESH_ROOT"

parse_pack_args() {
  out="$MESH_ROOT"
  build=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --out) out="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
      --no-build) build=0; shift ;;
      *) echo "usage: scripts/$(basename "$0") [--out DIR] [--no-build]" >&2; exit 2 ;;
    esac
  done
}

build_workspace() {
  [ "$build" = 1 ] || return 0
  [ -d node_modules ] || pnpm install --frozen-lockfile >&2
  echo "==> build" >&2
  pnpm -s build
}
