import type { MeshMetrics } from '@mesh-node/metrics'
import type { Health } from './health.js'
import { ApiReply, type Route } from './server.js'

export interface ObserveRoutesInit {
  metrics: MeshMetrics
  health: Health
}

/**
 * `/metrics` (Prometheus text) and `/v1/health`. Health is public: probes
 * (Docker's HEALTHCHECK, load balancers) carry no token, and it tells
 * nothing beyond "up and ready".
 */
export function observeRoutes({ metrics, health }: ObserveRoutesInit): Route[] {
  return [metricsRoute(metrics), healthRoute(health)]
}

export function metricsRoute(metrics: MeshMetrics): Route {
  return {
    method: 'GET',
    path: '/metrics',
    raw: true,
    handler: async ({ res }) => {
      const text = await metrics.render()
      res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) })
      res.end(text)
    }
  }
}

/** 200 when ready, 503 while starting; `?live` answers 200 whenever the process does. */
export function healthRoute(health: Health): Route {
  return {
    method: 'GET',
    path: '/v1/health',
    public: true,
    handler: ({ query }) => {
      const report = health.report()
      return new ApiReply(report.ready || query.has('live') ? 200 : 503, report)
    }
  }
}
