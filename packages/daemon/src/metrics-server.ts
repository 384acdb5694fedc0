import { randomBytes } from 'node:crypto'
import { parseHostPort } from '@mesh-node/config'
import type { Health } from '@mesh-node/control-api'
import { type ApiServer, healthRoute, metricsRoute, startApiServer } from '@mesh-node/control-api'
import type { MeshMetrics } from '@mesh-node/metrics'
import { DaemonError } from './errors.js'
import type { Logger } from './logger.js'

export interface MetricsServerInit {
  /** HOST:PORT */
  address: string
  metrics: MeshMetrics
  health: Health
  log: Logger
}

/**
 * The opt-in listener for scrapers: `/metrics` and `/v1/health` and nothing
 * else, without a token, the way Prometheus expects. Everything that can
 * change the node stays on the API.
 */
export async function startMetricsServer(init: MetricsServerInit): Promise<ApiServer> {
  const { host, port } = parseHostPort(init.address, '--metrics', 'metrics address')
  try {
    return await startApiServer({
      host,
      port,
      // No route here needs it; a random one keeps the server's contract.
      token: randomBytes(32).toString('hex'),
      log: init.log,
      routes: [{ ...metricsRoute(init.metrics), public: true }, healthRoute(init.health)]
    })
  } catch (err) {
    const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
    throw new DaemonError(
      inUse
        ? `metrics address ${init.address} is already in use; choose another with --metrics HOST:PORT`
        : `cannot start the metrics listener on ${init.address}: ${(err as Error).message}`,
      inUse ? 'metrics_address_in_use' : 'metrics_failed'
    )
  }
}
