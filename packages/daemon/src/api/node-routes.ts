import type { IdInfo, PeerInfo } from '@mesh-node/api'
import type { MeshPeer } from '@mesh-node/peer'
import type { Route } from './server.js'

export interface NodeRoutesInit {
  peer: MeshPeer
  /** Called after the shutdown answer is sent. */
  requestShutdown: () => void
}

/** Identity, connectivity and lifecycle: the routes every node has. */
export function nodeRoutes({ peer, requestShutdown }: NodeRoutesInit): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/id',
      handler: (): IdInfo => ({ peerId: peer.peerId.toString(), addresses: peer.addresses() })
    },
    {
      method: 'GET',
      path: '/v1/peers',
      handler: (): PeerInfo[] => peer.connectedPeers()
    },
    {
      method: 'POST',
      path: '/v1/shutdown',
      status: 202,
      handler: ({ res }) => {
        res.once('finish', requestShutdown)
        return { ok: true }
      }
    }
  ]
}
