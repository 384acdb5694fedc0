import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { ping } from '@libp2p/ping'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { DEFAULT_MDNS_SERVICE_TAG, DHT_PROTOCOL } from '@mesh-node/protocol'
import type { Libp2pOptions } from 'libp2p'
import { createLibp2p } from 'libp2p'
import type { MeshPeer, MeshPeerInit, MeshServices } from './index.js'
import { Rejoiner } from './rejoin.js'
import { withoutRepeats } from './repeat-filter.js'

/**
 * gossipsub's fast duplicate check, before signature verification: sender
 * and sequence number, which identify a StrictSign message (its default id).
 * Only validated messages enter that cache, so a forged copy cannot shadow
 * the real one.
 */
function fastMessageId(msg: { from?: Uint8Array; seqno?: Uint8Array }): string {
  const b64 = (b?: Uint8Array) =>
    b == null ? '' : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')
  return `${b64(msg.from)}:${b64(msg.seqno)}`
}

/** The longest wait between two mDNS queries of a node, once it has backed off. */
export const DEFAULT_MDNS_MAX_INTERVAL_MS = 10_000

/** mDNS on the LAN (unless off) and the bootstrap list, if any. */
function discoveryServices(init: MeshPeerInit): NonNullable<Libp2pOptions['peerDiscovery']> {
  const peerDiscovery: NonNullable<Libp2pOptions['peerDiscovery']> = []
  if (init.mdns?.enabled !== false) {
    // Every node hears every answer to every query: pass on only news.
    peerDiscovery.push(
      withoutRepeats(
        mdns({
          serviceTag: init.mdns?.serviceTag ?? DEFAULT_MDNS_SERVICE_TAG,
          interval: init.mdns?.intervalMs ?? 1000,
          maxInterval: init.mdns?.maxIntervalMs ?? DEFAULT_MDNS_MAX_INTERVAL_MS
        })
      )
    )
  }
  if (init.bootstrap != null && init.bootstrap.length > 0) {
    peerDiscovery.push(bootstrap({ list: init.bootstrap, timeout: 0 }))
  }
  return peerDiscovery
}

/** The services every mesh node runs, then the caller's own. */
function meshServices<S extends Record<string, unknown>>(init: MeshPeerInit<S>) {
  return {
    identify: identify(),
    ping: ping(),
    dht: kadDHT({
      protocol: init.dhtProtocol ?? DHT_PROTOCOL,
      // A LAN has no public addresses: stay a server and keep private ones.
      clientMode: false,
      peerInfoMapper: passthroughMapper,
      allowQueryWithZeroPeers: true
    }),
    pubsub: gossipsub({
      allowPublishToZeroTopicPeers: true,
      emitSelf: false,
      // Many nodes on one host share 127.0.0.1; the IP-colocation penalty
      // (meant for sybils on the internet) would graylist them all past 10.
      scoreParams: { IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']) },
      // Without it every copy of a message (one per mesh peer, plus the
      // flood-published one) has its signature verified before it is found
      // to be a duplicate: D verifications per message instead of one.
      fastMsgIdFn: fastMessageId
    }),
    ...(init.services ?? {})
  } as Libp2pOptions<MeshServices & S>['services']
}

function libp2pOptions<S extends Record<string, unknown>>(
  init: MeshPeerInit<S>
): Libp2pOptions<MeshServices & S> {
  return {
    privateKey: init.privateKey,
    datastore: init.datastore,
    metrics: init.metrics,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    // A stream's receive window may grow to what libp2p buffers for a paused
    // reader (4 MiB) and no further: the task protocol pauses a peer that
    // does not read its replies, and a larger window would let that peer
    // overflow the buffer and get its stream reset instead of slowed.
    streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: 4 * 1024 * 1024 } })],
    connectionProtector: init.swarmKey != null ? preSharedKey({ psk: init.swarmKey }) : undefined,
    peerDiscovery: discoveryServices(init as MeshPeerInit),
    connectionManager: {
      maxConnections: init.connections?.maxConnections ?? 512,
      inboundConnectionThreshold: init.connections?.inboundConnectionThreshold ?? 100,
      maxIncomingPendingConnections: init.connections?.maxIncomingPendingConnections ?? 128
    },
    // libp2p's monitor aborts a connection whose ping misses an adaptive
    // timeout (5 s at least): a daemon starved of CPU for a few seconds lost
    // healthy connections. Liveness is the failure detector's job; the monitor
    // only reaps connections that stayed silent for a minute (a peer gone
    // without a FIN), after which the rejoiner dials afresh.
    connectionMonitor: {
      pingInterval: 10_000,
      pingTimeout: { minTimeout: 60_000, maxTimeout: 120_000 }
    },
    services: meshServices(init)
  }
}

/** One entry per connected peer, with every address it is connected on. */
function connectedPeers(node: Libp2p): ReturnType<MeshPeer['connectedPeers']> {
  const byPeer = new Map<string, { peerId: string; addresses: string[]; connectedSince: number }>()
  for (const conn of node.getConnections()) {
    const key = conn.remotePeer.toString()
    const entry = byPeer.get(key) ?? { peerId: key, addresses: [], connectedSince: conn.timeline.open }
    entry.connectedSince = Math.min(entry.connectedSince, conn.timeline.open)
    const addr = conn.remoteAddr.toString()
    if (!entry.addresses.includes(addr)) entry.addresses.push(addr)
    byPeer.set(key, entry)
  }
  return [...byPeer.values()].sort((a, b) => a.peerId.localeCompare(b.peerId))
}

export async function createMeshPeer<S extends Record<string, unknown> = Record<string, unknown>>(
  init: MeshPeerInit<S>
): Promise<MeshPeer<S>> {
  const node = await createLibp2p(libp2pOptions(init))

  // libp2p reports discovered peers but does not connect to them, and says
  // nothing at all when a known peer comes back on a new address.
  const rejoiner = new Rejoiner(node, { ...init.rejoin, onDialError: init.onDialError })
  rejoiner.start()

  return {
    libp2p: node,
    peerId: node.peerId,
    addresses: () => node.getMultiaddrs().map((ma) => ma.toString()),
    connectedPeers: () => connectedPeers(node),
    stop: async () => {
      rejoiner.stop()
      await node.stop()
    }
  }
}
