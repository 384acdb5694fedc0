/**
 * @packageDocumentation
 *
 * The libp2p peer at the heart of every mesh-node: TCP + noise + yamux,
 * identify and ping, mDNS on the LAN, a rejoiner that dials every known or
 * discovered peer it is not connected to (with bounded parallelism and backoff), a
 * Kad-DHT tuned for private networks, gossipsub, bootstrap peers and an
 * optional pre-shared swarm key. Mesh subsystems plug in as libp2p services.
 *
 * @example
 * ```ts
 * import { generateKeyPair } from '@libp2p/crypto/keys'
 * import { createMeshPeer } from '@mesh-node/peer'
 *
 * const peer = await createMeshPeer({
 *   privateKey: await generateKeyPair('Ed25519'),
 *   listen: ['/ip4/127.0.0.1/tcp/0'],
 *   mdns: { enabled: true, serviceTag: '_my-mesh._udp.local' }
 * })
 * console.log(peer.peerId.toString(), peer.addresses())
 * await peer.stop()
 * ```
 */

import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import type { Datastore } from 'interface-datastore'
import type { Libp2pOptions, ServiceFactoryMap } from 'libp2p'
import type { RejoinInit } from './rejoin.js'

export interface MdnsInit {
  enabled: boolean
  /** Full mDNS service name, e.g. `_agent-mesh._udp.local`. Peers with different tags never see each other. */
  serviceTag?: string
  /** The wait before the second query, in ms (the first goes at start). @default 1000 */
  intervalMs?: number
  /**
   * Each later wait doubles up to this (RFC 6762 §5.2): every node answers
   * every query, so at 20 nodes a 1 s schedule made 8,000 answers a second
   * for the host to parse. @default 10000
   */
  maxIntervalMs?: number
}

export interface ConnectionLimitsInit {
  /** @default 512 */
  maxConnections?: number
  /** Inbound connections per second accepted from one host. libp2p's default (5) starves many peers on one host. @default 100 */
  inboundConnectionThreshold?: number
  /** Inbound connections still upgrading at once. @default 128 */
  maxIncomingPendingConnections?: number
}

/** The services every mesh peer runs. */
export interface MeshServices {
  identify: Identify
  ping: Ping
  dht: KadDHT
  pubsub: GossipSub
}

/** A libp2p node with the mesh services (and perhaps more). */
export type MeshLibp2p = Libp2p<MeshServices & Record<string, unknown>>

export interface MeshPeerInit<S extends Record<string, unknown> = Record<string, unknown>> {
  privateKey: PrivateKey
  /** Multiaddrs to listen on. */
  listen: string[]
  /** Multiaddrs (with /p2p/) to dial at start and keep connected. */
  bootstrap?: string[]
  mdns?: MdnsInit
  /** The raw swarm key file (`/key/swarm/psk/1.0.0/` format); makes the mesh private. */
  swarmKey?: Uint8Array
  /** Persists the peer store and DHT records. In memory when absent. */
  datastore?: Datastore
  /** @default DHT_PROTOCOL from @mesh-node/protocol */
  dhtProtocol?: string
  connections?: ConnectionLimitsInit
  /** Extra libp2p services: the mesh subsystems. */
  services?: ServiceFactoryMap<S>
  /** libp2p's metrics implementation, e.g. `prometheusMetrics()` from `@libp2p/prometheus-metrics`. */
  metrics?: Libp2pOptions['metrics']
  /** How known peers are re-dialled (parallelism, backoff, sweep interval). */
  rejoin?: RejoinInit
  /** Receives warnings the peer cannot surface as errors (failed auto-dials). */
  onDialError?: (peer: PeerId, err: Error) => void
}

export interface MeshPeer<S extends Record<string, unknown> = Record<string, unknown>> {
  readonly libp2p: Libp2p<MeshServices & S>
  readonly peerId: PeerId
  /** Listen addresses with the /p2p/ suffix, as other peers should dial them. */
  addresses(): string[]
  /** Peers with at least one open connection, with their remote addresses and when the oldest one opened. */
  connectedPeers(): Array<{ peerId: string; addresses: string[]; connectedSince: number }>
  stop(): Promise<void>
}

export { createMeshPeer } from './peer.js'
export type { RejoinInit } from './rejoin.js'
export { readSwarmKey, SwarmKeyError } from './swarm-key.js'
