#!/usr/bin/env bash
# Sets everything up, then lints and runs every test (unit and integration).
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
# The dashboard's test drives Debian's chromium (no browser downloads here);
# the completion test runs zsh.
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v zsh >/dev/null || missing+=(zsh)
if (( ${#missing[@]} > 0 )); then
  if [[ "$(id -u)" == 0 ]]; then
    echo "==> installing ${missing[*]} for the dashboard and completion tests" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "warning: ${missing[*]} missing; as root: apt-get install -y ${missing[*]}" >&2
  fi
fi
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
# The docker compose demo end to end (three containers, task, vote, auction,
# down and up with volumes kept). It installs Docker with apt and starts a
# dockerd when needed; it skips, saying why, only where Docker cannot run.
echo "==> docker demo" >&2
bash "$here/docker-demo-test.sh"
