import { EVENT_TYPES, parseEventTypes, type StatusInfo } from '@mesh-node/api'
import type { EventHub } from '@mesh-node/events'
import type { TaskJournal } from '@mesh-node/journal'
import type { Mesh } from '@mesh-node/mesh'
import type { MeshPeer } from '@mesh-node/peer'
import type { NodeNames } from './node-names.js'
import type { Route } from './server.js'

export interface MeshRoutesInit {
  peer: MeshPeer
  mesh: Mesh
  journal: TaskJournal
  events: EventHub
  names: NodeNames
  startedAt: number
}

/** How the node sees the mesh: status with the state digest, and the live event stream. */
export function meshRoutes({ peer, mesh, journal, events, names, startedAt }: MeshRoutesInit): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/status',
      handler: async (): Promise<StatusInfo> => ({
        peerId: peer.peerId.toString(),
        name: names.self,
        startedAt,
        uptimeMs: Date.now() - startedAt,
        digest: mesh.registry.digest(),
        peers: peer.connectedPeers().length,
        agents: {
          local: mesh.registry.all().filter((a) => a.local).length,
          total: mesh.registry.all().length
        },
        members: mesh.failureDetector.members().map((m) => ({ ...m, name: names.of(m.peerId) })),
        storedPeers: (await peer.libp2p.peerStore.all()).length,
        tasks: journal.stats(),
        rejectedResults: mesh.tasks.rejected.totals()
      })
    },
    {
      // The one list of event types: the dashboard subscribes to what it names.
      method: 'GET',
      path: '/v1/events/types',
      handler: (): { types: readonly string[] } => ({ types: EVENT_TYPES })
    },
    {
      method: 'GET',
      path: '/v1/events',
      raw: true,
      handler: ({ res, query }) => {
        const types = parseEventTypes(query)
        events.attach(res, types == null ? undefined : (e) => types.includes(e.type))
      }
    }
  ]
}
