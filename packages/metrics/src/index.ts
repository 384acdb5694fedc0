/**
 * @packageDocumentation
 *
 * Prometheus metrics for a mesh-node, on one `prom-client` registry per
 * node (no global state, so several nodes can share a process):
 *
 * - tasks by capability and outcome, accept-to-done and per-attempt latency
 *   histograms, tasks in flight and queued (from the origin's journal);
 * - tasks run or forwarded here for other origins, by capability and outcome;
 * - each agent's load and capacity, members by state, open connections;
 * - gossip messages and bytes received by topic;
 * - journal size on disk and rows by status;
 * - process health from prom-client's defaults (event-loop lag, RSS, GC, heap);
 * - libp2p's own metrics (connections, streams, bytes per protocol, DHT),
 *   by handing {@link MeshMetrics.libp2pMetrics} to `createLibp2p`.
 *
 * The metrics observe the node from outside: the daemon connects them to its
 * subsystems through {@link MetricSources}, small structural hooks, so this
 * package depends on no other mesh package.
 *
 * @example
 * ```ts
 * import { createMeshMetrics } from '@mesh-node/metrics'
 *
 * const metrics = createMeshMetrics()
 * const peer = await createMeshPeer({ ...init, metrics: metrics.libp2pMetrics })
 * const detach = metrics.observe({ onTaskChange: (l) => journal.onChange(l), ... })
 * res.setHeader('content-type', metrics.contentType)
 * res.end(await metrics.render())
 * ```
 */

import type { Metrics } from '@libp2p/interface'
import type { Registry } from 'prom-client'
import { DefaultMeshMetrics } from './mesh-metrics.js'

/** The part of a journal task record the metrics read. */
export interface TaskSnapshot {
  taskId: string
  capability: string
  status: string
  createdAt: number
  updatedAt: number
  attempts: ReadonlyArray<{ n: number; startedAt: number; endedAt?: number; outcome?: string }>
}

/** A router lifecycle notice; executor and forwarder ones count work done for others. */
export interface TaskEventSnapshot {
  taskId: string
  role: string
  capability: string
  status: string
  at: number
}

export interface AgentLoad {
  peerId: string
  agent: string
  local: boolean
  running: number
  capacity: number
}

/**
 * Where the numbers come from. Push sources are subscriptions that return an
 * unsubscribe function; pull sources are read at scrape time. Every field is
 * optional: a missing source leaves its metrics at zero.
 */
export interface MetricSources {
  /** Committed changes of tasks this node accepted (the journal's onChange). */
  onTaskChange?: (listener: (task: TaskSnapshot) => void) => () => void
  /** Router lifecycle events (executor and forwarder roles are counted). */
  onTaskEvent?: (listener: (event: TaskEventSnapshot) => void) => () => void
  /** Every gossip message received, with its topic and payload size. */
  onGossipMessage?: (listener: (topic: string, bytes: number) => void) => () => void
  /** Journal row counts by status (queued, assigned, running, …, outbox, executions). */
  taskCounts?: () => Record<string, number>
  agents?: () => AgentLoad[]
  members?: () => Array<{ state: string }>
  connections?: () => number
  /** Bytes the journal takes on disk (database and write-ahead log). */
  journalBytes?: () => number
  /** Streamed pieces dropped so far, by reason (a running total; read at scrape time). */
  piecesDropped?: () => Record<string, number>
  /** Inbound results not believed so far, by reason (a running total; read at scrape time). */
  resultsRejected?: () => Record<string, number>
}

export interface MeshMetricsInit {
  /** Prefix of this package's own metrics. @default 'mesh_' */
  prefix?: string
  /** Most distinct capability (and gossip topic) labels; the rest count as `other`. @default 256 */
  maxCapabilities?: number
  /** Tasks whose attempts are tracked at once, to bound memory. @default 10000 */
  maxTrackedTasks?: number
  /** Event-loop delay sampling resolution. @default 10 */
  eventLoopResolutionMs?: number
}

export interface MeshMetrics {
  readonly registry: Registry
  /** Give this to libp2p's `metrics` option: its metrics land in the same registry. */
  readonly libp2pMetrics: (components: { logger: unknown }) => Metrics
  /** Connects sources; returns a function that disconnects them. */
  observe(sources: MetricSources): () => void
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>
  readonly contentType: string
}

export function createMeshMetrics(init: MeshMetricsInit = {}): MeshMetrics {
  return new DefaultMeshMetrics(init)
}
