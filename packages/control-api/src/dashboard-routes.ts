import type { Dashboard } from '@mesh-node/dashboard'
import type { Mesh } from '@mesh-node/mesh'
import type { MeshPeer } from '@mesh-node/peer'
import type { NodeNames } from './node-names.js'
import type { Route } from './server.js'

export interface DashboardRoutesInit {
  dashboard: Dashboard
  peer: MeshPeer
  mesh: Mesh
  names: NodeNames
}

export interface MeshNodeView {
  peerId: string
  state: 'self' | 'alive' | 'suspect' | 'dead'
  /** Its announced name, if any: a label, so the dashboard shows the short id beside a shared one. */
  name?: string
  /** Peers it holds connections to: this node's own, and what the others announce (unverified). */
  connections?: string[]
}

/**
 * The dashboard's files and login, and `GET /v1/mesh`: the graph as this
 * node sees it (members with their health, and connections).
 */
export function dashboardRoutes({ dashboard, peer, mesh, names }: DashboardRoutesInit): Route[] {
  const serve: Route['handler'] = ({ req, res }) => dashboard.serve(req, res)
  return [
    {
      method: 'POST',
      path: '/v1/ui/login',
      handler: ({ req }) => {
        const { code, expiresAt } = dashboard.issueLogin()
        // The Host the CLI used is the address the browser can reach too.
        return { url: `http://${req.headers.host ?? 'localhost'}/ui/login?code=${code}`, expiresAt }
      }
    },
    {
      method: 'GET',
      path: '/ui/login',
      public: true,
      raw: true,
      handler: ({ req, res }) => dashboard.login(req, res)
    },
    { method: 'GET', path: '/ui/', public: true, raw: true, handler: serve },
    { method: 'GET', path: '/ui/:file', public: true, raw: true, handler: serve },
    {
      method: 'GET',
      path: '/v1/mesh',
      handler: (): { self: string; nodes: MeshNodeView[] } => {
        const self = peer.peerId.toString()
        const nodes = new Map<string, MeshNodeView>()
        nodes.set(self, {
          peerId: self,
          state: 'self',
          name: names.self,
          connections: peer.connectedPeers().map((p) => p.peerId)
        })
        const other = (peerId: string, state: MeshNodeView['state']): MeshNodeView => ({
          peerId,
          state,
          name: names.of(peerId),
          connections: mesh.gossip.nodeInfo(peerId)?.peers
        })
        for (const m of mesh.failureDetector.members()) nodes.set(m.peerId, other(m.peerId, m.state))
        for (const a of mesh.registry.all())
          if (!nodes.has(a.peerId)) nodes.set(a.peerId, other(a.peerId, 'alive'))
        return { self, nodes: [...nodes.values()] }
      }
    }
  ]
}
