#!/usr/bin/env bash
# Sets up a fresh clone: brings Node >= 22 and pnpm if the machine lacks them,
# installs the locked dependencies and builds every package.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib-env.sh"
ensure_toolchain
cd "$MESH_ROOT"
echo "==> node $(node --version), pnpm $(pnpm --version)" >&2
pnpm install --frozen-lockfile --reporter=append-only >&2
echo "==> building" >&2
pnpm run -s build >&2
