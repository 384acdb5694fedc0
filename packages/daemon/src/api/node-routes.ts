import type { IdInfo, PeerInfo } from '@mesh-node/api'
import type { MeshPeer } from '@mesh-node/peer'
import type { NodeNames } from '../node-names.js'
import type { Route } from './server.js'

export interface NodeRoutesInit {
  peer: MeshPeer
  names: NodeNames
  /** Called after the shutdown answer is sent. */
  requestShutdown: () => void
}

/** Identity, connectivity and lifecycle: the routes every node has. */
export function nodeRoutes({ peer, names, requestShutdown }: NodeRoutesInit): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/id',
      handler: (): IdInfo => ({
        peerId: peer.peerId.toString(),
        name: names.self,
        addresses: peer.addresses()
      })
    },
    {
      method: 'GET',
      path: '/v1/peers',
      handler: (): PeerInfo[] => peer.connectedPeers().map((p) => ({ ...p, name: names.of(p.peerId) }))
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
