import type { IdInfo, PeerInfo } from '@mesh-node/api'
import type { MeshPeer } from '@mesh-node/peer'
import { ApiError } from './api-error.js'
import type { NodeNames } from './node-names.js'
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
      path: '/v1/peers/:id/disconnect',
      handler: async ({ param }) => await disconnect(peer, names, param('id'))
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

/**
 * Closes every connection to one connected peer (as `ipfs swarm disconnect`),
 * e.g. to see how the mesh rides out a lost connection. The peer is not
 * banned: discovery and the rejoin logic may dial it again at once.
 */
async function disconnect(
  peer: MeshPeer,
  names: NodeNames,
  wanted: string
): Promise<{ peerId: string; name?: string; disconnected: true }> {
  const connected = peer.connectedPeers().map((p) => p.peerId)
  const exact = connected.filter((id) => id === wanted || names.of(id) === wanted)
  const matches = exact.length > 0 ? exact : connected.filter((id) => wanted !== '' && id.startsWith(wanted))
  if (matches.length === 0)
    throw new ApiError(
      404,
      'not_connected',
      `no connected peer is ${JSON.stringify(wanted)}; \`mesh-node peers --no-trunc\` lists the connected ones`
    )
  if (matches.length > 1)
    throw new ApiError(
      400,
      'ambiguous_peer',
      `${JSON.stringify(wanted)} matches ${matches.length} connected peers; give more characters of the peer id`
    )
  const id = matches[0] as string
  const target = peer.libp2p.getPeers().find((p) => p.toString() === id)
  if (target !== undefined) await peer.libp2p.hangUp(target)
  return { peerId: id, name: names.of(id), disconnected: true }
}
