#!/usr/bin/env bash
# Builds a local stand-in for node:24-slim where no image registry is
# reachable: a minimal Debian made with debootstrap from the Debian mirror apt
# already uses, the Node 24 binary that setup brings into .tools/, and a
# `node` user (uid 1000) as in the official image. Downloaded packages are
# kept in .tools/debootstrap-cache, so a second build fetches nothing.
# Usage (root): scripts/docker-base-image.sh TAG
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
source "$here/lib-env.sh"
ensure_node
tag="${1:?usage: docker-base-image.sh TAG}"
suite="${MESH_BASE_SUITE:-bookworm}"

# The first Debian mirror in apt's sources (deb822 or one-line format).
mirror="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}' | grep -v security | head -1)"
if [ -z "$mirror" ]; then
  mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}')"
fi
[ -n "$mirror" ] || { echo "no Debian mirror found in /etc/apt/sources.list*" >&2; exit 1; }

rootfs="$(mktemp -d "${TMPDIR:-/tmp}/mesh-node-rootfs.XXXXXX")"
trap 'rm -rf "$rootfs"' EXIT
echo "==> debootstrap $suite from $mirror" >&2
cache="${MESH_DEBOOTSTRAP_CACHE:-$MESH_TOOLS/debootstrap-cache}"
mkdir -p "$cache"
debootstrap --variant=minbase --cache-dir="$cache" "$suite" "$rootfs" "$mirror" \
  > "$rootfs.log" 2>&1 || { tail -20 "$rootfs.log" >&2; rm -f "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"

install -m 755 "$(command -v node)" "$rootfs/usr/local/bin/node"
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# What the official slim images leave out too: caches, docs, man pages, locales.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
  "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*.log

echo "==> import as $tag" >&2
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' - "$tag" >/dev/null
