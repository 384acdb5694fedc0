#!/usr/bin/env bash
# Sets everything up, then lints and runs every test (unit and integration).
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
# The dashboard's test drives Debian's chromium (no browser downloads here).
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ "$(id -u)" == 0 ]]; then
    echo "==> installing chromium for the dashboard's browser test" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: /usr/bin/chromium is missing; the dashboard test will fail (as root: apt-get install -y chromium)" >&2
  fi
fi
source "$here/lib-env.sh"
ensure_toolchain
cd "$MESH_ROOT"
echo "==> lint" >&2
pnpm run -s lint
echo "==> tests" >&2
pnpm run -s test
