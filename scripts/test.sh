#!/usr/bin/env bash
# Sets everything up, then lints and runs every test (unit and integration).
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
source "$here/lib-env.sh"
ensure_toolchain
cd "$MESH_ROOT"
echo "==> lint" >&2
pnpm run -s lint
echo "==> tests" >&2
pnpm run -s test
# Every benchmark suite once at tiny sizes (no goals, nothing written), so a
# change that breaks the bench fails here, with the suite's name.
echo "==> bench smoke" >&2
pnpm run -s bench --smoke
