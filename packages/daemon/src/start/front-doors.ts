import type { ApiServer } from '@mesh-node/control-api'
import { startA2aListener } from '../a2a-listener.js'
import { subscribeAgents } from '../agent-topics.js'
import { removeApiFile, writeApiFiles } from '../data-dir.js'
import { logMeshEvents } from '../log-events.js'
import { usePrettyLogs } from '../logger.js'
import { startMetricsServer } from '../metrics-server.js'
import { observeDaemon } from '../observability.js'
import { startApi } from './api.js'
import type { Cleanups } from './cleanups.js'
import type { NodeParts } from './parts.js'

/**
 * Observability, the control API, the metrics and A2A listeners and the
 * agents' topic subscriptions; the api file is written last, so a client
 * that finds it finds a node that is ready.
 */
export async function openFrontDoors(
  parts: NodeParts,
  cleanups: Cleanups,
  requestShutdown: () => void
): Promise<{ apiUrl: string; metricsUrl?: string; a2aUrl?: string }> {
  const { plan, log, peer, mesh, journal, metrics, health } = parts
  const { config, paths } = plan
  // mDNS asks at start and every interval; bootstrap dials at start.
  health.discoveryStarted(config.mdns.enabled ? config.mdns.intervalMs : 0)
  cleanups.push(observeDaemon({ metrics, journal, mesh, peer, databasePath: paths.database }))
  cleanups.push(logMeshEvents(log, peer, mesh, journal))
  const { server, token } = await startApi({
    ...parts,
    config,
    coordination: parts.rounds,
    messaging: parts.bus,
    startedAt: plan.startedAt,
    requestShutdown
  })
  // Closing the API first means no request sees a half-stopped node.
  cleanups.push(async () => {
    await server.close()
  })
  cleanups.push(() => removeApiFile(paths))
  const metricsServer =
    config.metrics != null
      ? await startMetricsServer({
          address: config.metrics,
          metrics,
          health,
          log: log.child({ component: 'metrics' })
        })
      : undefined
  if (metricsServer != null) cleanups.push(async () => await metricsServer.close())
  const a2a = await startA2aListener({
    ...{ config, dataDir: paths.dir, dispatcher: parts.dispatcher, journal },
    ...{ registry: mesh.registry, pieces: mesh.tasks.pieces },
    ...{
      peerId: peer.peerId.toString(),
      privateKey: parts.privateKey.raw,
      log: log.child({ component: 'a2a' })
    }
  })
  if (a2a != null) cleanups.push(async () => await a2a.stop())
  parts.apiAddress.url = server.url
  cleanups.push(
    subscribeAgents({
      agents: plan.agentSpecs,
      runtime: parts.runtime,
      messaging: parts.bus,
      selfPeerId: peer.peerId.toString(),
      log: log.child({ component: 'agent-topics' })
    })
  )
  writeApiFiles(paths, server.url, token)
  logReady(parts, server, metricsServer?.url, a2a?.cardUrl)
  return { apiUrl: server.url, metricsUrl: metricsServer?.url, a2aUrl: a2a?.url }
}

function logReady(parts: NodeParts, server: ApiServer, metricsUrl?: string, a2aCardUrl?: string): void {
  const { plan, peer } = parts
  const { config } = plan
  parts.log.info(
    {
      // JSON lines carry it already, from the child logger.
      ...(usePrettyLogs(plan.prettyLogs) ? { peerId: peer.peerId.toString() } : {}),
      api: server.url,
      metrics: metricsUrl ?? null,
      a2a: a2aCardUrl ?? null,
      addresses: peer.addresses(),
      name: plan.nodeName,
      dataDir: plan.paths.dir,
      mdnsTag: config.mdns.enabled ? config.mdns.tag : null,
      agents: plan.agentSpecs.map((a) => a.name)
    },
    'daemon ready'
  )
}
