#!/usr/bin/env bash
# Turns the workspace into one installable npm tarball, mesh-node-<version>.tgz:
#   pnpm pack:cli                 # or: bash scripts/pack.sh [--out DIR] [--no-build]
#   npm i -g ./mesh-node-<version>.tgz
#
# The CLI and every workspace package are bundled with esbuild into one ESM
# file (bin/cli.js), npm dependencies included, so the tarball has no
# dependencies to fetch: it installs offline, in about a second, and cannot
# drift from the lockfile it was tested with. bin/mesh-node.js is the tiny
# launcher that checks the Node version before the bundle (which imports
# node:sqlite) is even parsed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-pack.sh"
parse_pack_args "$@"
build_workspace

# A fresh stage per run, so two packs at once (a test and a user) do not collide.
stage="$(mktemp -d "${TMPDIR:-/tmp}/mesh-node-pack.XXXXXX")/mesh-node"
trap 'rm -rf "$(dirname "$stage")"' EXIT
mkdir -p "$stage/bin"
esbuild=node_modules/.bin/esbuild
common=(--bundle --platform=node --format=esm --target=node22 --log-level=warning --legal-comments=none)
# Bundled CommonJS dependencies (pino, commander, ...) call require(); an ESM
# bundle has none, so give it one.
banner="import { createRequire as __meshCreateRequire } from 'node:module'; const require = __meshCreateRequire(import.meta.url);"
echo "==> bundle" >&2
"$esbuild" apps/mesh-node/dist/src/cli.js "${common[@]}" --banner:js="$banner" --outfile="$stage/bin/cli.js"
"$esbuild" apps/mesh-node/dist/src/bin.js "${common[@]}" --external:./cli.js --outfile="$stage/bin/mesh-node.js"
chmod 755 "$stage/bin/mesh-node.js"

# The published manifest: the app's own name, version and metadata, and no
# dependencies, since everything is in the bundle.
node - "$stage" <<'JS'
const { readFileSync, writeFileSync } = require('node:fs')
const app = JSON.parse(readFileSync('apps/mesh-node/package.json', 'utf8'))
const manifest = {
  name: app.name,
  version: app.version,
  description: app.description,
  license: app.license,
  type: 'module',
  bin: { 'mesh-node': './bin/mesh-node.js' },
  files: ['bin', 'assets', 'README.md', 'LICENSE', 'mesh-node.service'],
  engines: app.engines,
  os: ['linux', 'darwin'],
  keywords: ['libp2p', 'mesh', 'agents', 'p2p', 'daemon']
}
writeFileSync(`${process.argv[2]}/package.json`, JSON.stringify(manifest, null, 2) + '\n')
JS
cp LICENSE README.md packaging/mesh-node.service "$stage/"
# The dashboard's files, beside the bundle (bin/../assets).
cp -r packages/dashboard/assets "$stage/assets"

# Smoke check before anything is written where the user looks.
node "$stage/bin/mesh-node.js" --version >/dev/null

echo "==> pack" >&2
tgz="$(cd "$stage" && npm pack --silent --pack-destination "$out")"
echo "$out/$tgz"
echo "    $(du -k "$out/$tgz" | cut -f1) KB packed, $(du -sk "$stage" | cut -f1) KB installed" >&2
