#!/usr/bin/env bash
# Sets everything up, then runs a mesh-node daemon in the foreground.
# Any arguments go to `mesh-node start`, e.g. --data-dir, --api, --listen.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
exec "$here/mesh-node" start "$@"
