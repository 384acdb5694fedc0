import { randomBytes } from 'node:crypto'
import { type MeshConfig, parseHostPort } from '@mesh-node/config'
import type { Health, NodeNames } from '@mesh-node/control-api'
import {
  type ApiServer,
  coordinationRoutes,
  dashboardRoutes,
  meshRoutes,
  nodeRoutes,
  observeRoutes,
  startApiServer,
  taskRoutes,
  topicRoutes
} from '@mesh-node/control-api'
import type { Coordination } from '@mesh-node/coordination'
import { createDashboard } from '@mesh-node/dashboard'
import type { TaskDispatcher, TaskStore, TraceStore } from '@mesh-node/dispatch'
import type { EventHub } from '@mesh-node/events'
import type { TaskJournal } from '@mesh-node/journal'
import type { Mesh } from '@mesh-node/mesh'
import type { Messaging } from '@mesh-node/messaging'
import type { MeshMetrics } from '@mesh-node/metrics'
import type { MeshPeer } from '@mesh-node/peer'
import { DaemonError } from '../errors.js'
import type { Logger } from '../logger.js'

/** Everything the control API's routes read or drive. */
export interface ApiComponents {
  config: MeshConfig
  peer: MeshPeer
  mesh: Mesh
  journal: TaskJournal
  dispatcher: TaskDispatcher
  coordination: Coordination
  messaging: Messaging
  metrics: MeshMetrics
  health: Health
  events: EventHub
  names: NodeNames
  traces: TraceStore
  /** What this node did for other origins' tasks. */
  seen: TaskStore
  /** Agents' own tokens, which may only publish or send. */
  scopedTokens: ReadonlyMap<string, string>
  startedAt: number
  log: Logger
  requestShutdown: () => void
}

/** The control API on its loopback address, with a fresh token; its address errors say what to change. */
export async function startApi(c: ApiComponents): Promise<{ server: ApiServer; token: string }> {
  const { host, port } = parseHostPort(c.config.api)
  const token = randomBytes(32).toString('hex')
  const dashboard = createDashboard()
  const { peer, mesh, journal, names } = c
  try {
    const server = await startApiServer({
      host,
      port,
      token,
      scopedTokens: c.scopedTokens,
      log: c.log.child({ component: 'api' }),
      // The dashboard's session reads; everything that acts needs the token.
      authorize: (req) => req.method === 'GET' && dashboard.authorize(req),
      routes: [
        ...nodeRoutes({ peer, names, requestShutdown: c.requestShutdown }),
        ...taskRoutes({
          mesh,
          journal,
          dispatcher: c.dispatcher,
          seen: c.seen,
          names,
          traces: c.traces,
          defaultTimeoutMs: c.config.tasks.defaultTimeoutMs
        }),
        ...meshRoutes({ peer, mesh, journal, events: c.events, names, startedAt: c.startedAt }),
        ...coordinationRoutes({ coordination: c.coordination }),
        ...topicRoutes({
          messaging: c.messaging,
          agentNodes: (agent) => mesh.registry.all().flatMap((a) => (a.agent === agent ? [a.peerId] : []))
        }),
        ...observeRoutes({ metrics: c.metrics, health: c.health }),
        ...dashboardRoutes({ dashboard, peer, mesh, names })
      ]
    })
    return { server, token }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new DaemonError(
        `API address ${c.config.api} is already in use; choose another with --api HOST:PORT (port 0 picks a free one)`,
        'api_address_in_use'
      )
    }
    throw new DaemonError(`cannot start the API on ${c.config.api}: ${(err as Error).message}`, 'api_failed')
  }
}
