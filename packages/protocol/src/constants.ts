/**
 * Every identifier another implementation needs to interoperate with a
 * mesh-node peer. docs/PROTOCOL.md documents each one; change both together.
 */

/** Kademlia DHT protocol id; a mesh of its own, apart from the public IPFS DHT. */
export const DHT_PROTOCOL = '/agent-mesh/kad/1.0.0'

/** Default mDNS service name; `--mdns-tag foo` becomes `_foo._udp.local`. */
export const DEFAULT_MDNS_SERVICE_TAG = '_agent-mesh._udp.local'

/** Turns a user-facing mesh tag into an mDNS service name. */
export function mdnsServiceTag(tag: string): string {
  return tag.endsWith('.local') ? tag : `_${tag}._udp.local`
}

/** A user-facing mDNS tag: letters, digits and dashes, as DNS labels allow. */
export const MDNS_TAG_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/
