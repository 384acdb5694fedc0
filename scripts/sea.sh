#!/usr/bin/env bash
# Builds mesh-node as a Node single executable application: one file,
# mesh-node-<version>-<os>-<arch>, that needs no Node installed.
#   pnpm pack:sea                 # or: bash scripts/sea.sh [--out DIR] [--no-build]
# The CLI is bundled to CommonJS (SEA's main script must be CommonJS), put in
# a SEA blob, and injected with postject into a copy of the Node running this.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-pack.sh"
parse_pack_args "$@"
build_workspace

work="$(mktemp -d "${TMPDIR:-/tmp}/mesh-node-sea.XXXXXX")"
trap 'rm -rf "$work"' EXIT
version="$(node -p 'require("./apps/mesh-node/package.json").version')"
target="$out/mesh-node-$version-$(node -p 'process.platform + "-" + process.arch')"

echo "==> bundle (CommonJS)" >&2
node_modules/.bin/esbuild packaging/sea-entry.mjs --bundle --platform=node --format=cjs --target=node22 \
  --log-level=warning --legal-comments=none --outfile="$work/main.cjs"
# The dashboard's files, embedded: a single executable has nothing beside it to read.
assets="$(for f in packages/dashboard/assets/*; do printf '"ui/%s": "%s",' "$(basename "$f")" "$MESH_ROOT/$f"; done)"
cat > "$work/sea-config.json" <<JSON
{
  "main": "$work/main.cjs",
  "assets": { ${assets%,} },
  "output": "$work/sea.blob",
  "disableExperimentalSEAWarning": true,
  "execArgv": ["--max-semi-space-size=1"]
}
JSON
echo "==> blob and inject" >&2
node --experimental-sea-config "$work/sea-config.json" >&2
cp "$(command -v node)" "$work/mesh-node"
chmod u+w "$work/mesh-node"
node_modules/.bin/postject "$work/mesh-node" NODE_SEA_BLOB "$work/sea.blob" \
  --sentinel-fuse NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2 >"$work/postject.log" 2>&1 ||
  { cat "$work/postject.log" >&2; exit 1; }
"$work/mesh-node" --version >/dev/null
mv "$work/mesh-node" "$target"
echo "$target"
echo "    $(du -m "$target" | cut -f1) MB" >&2
