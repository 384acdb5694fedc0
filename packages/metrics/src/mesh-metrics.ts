import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { type Counter, collectDefaultMetrics, Registry } from 'prom-client'
import { defineMetrics, type MetricSet } from './definitions.js'
import type { MeshMetrics, MeshMetricsInit, MetricSources, TaskEventSnapshot, TaskSnapshot } from './index.js'

const TERMINAL = new Set(['completed', 'failed', 'cancelled'])
const EVENT_END = new Set(['completed', 'failed', 'busy', 'no_agent'])

export class DefaultMeshMetrics implements MeshMetrics {
  readonly registry = new Registry()
  readonly libp2pMetrics: MeshMetrics['libp2pMetrics']
  private readonly m: MetricSet
  private readonly maxCapabilities: number
  private readonly maxTracked: number
  private readonly capabilities = new Set<string>()
  private readonly topics = new Set<string>()
  /** taskId -> attempts already observed, so each attempt is counted once. */
  private readonly seenAttempts = new Map<string, number>()
  private sources: MetricSources = {}
  /** The source's totals at the last scrape, so the counter moves by the difference. */
  private readonly piecesSeen = new Map<string, number>()
  private readonly rejectedSeen = new Map<string, number>()

  constructor(init: MeshMetricsInit) {
    this.maxCapabilities = init.maxCapabilities ?? 256
    this.maxTracked = init.maxTrackedTasks ?? 10_000
    collectDefaultMetrics({
      register: this.registry,
      eventLoopMonitoringPrecision: init.eventLoopResolutionMs ?? 10
    })
    this.m = defineMetrics(this.registry, init.prefix ?? 'mesh_')
    // Default metrics are already ours; libp2p adds its connection, stream and transfer metrics.
    const factory = prometheusMetrics({ registry: this.registry, collectDefaultMetrics: false })
    this.libp2pMetrics = factory as MeshMetrics['libp2pMetrics']
  }

  get contentType(): string {
    return this.registry.contentType
  }

  observe(sources: MetricSources): () => void {
    this.sources = sources
    const off = [
      sources.onTaskChange?.((task) => this.taskChanged(task)),
      sources.onTaskEvent?.((event) => this.taskEvent(event)),
      sources.onGossipMessage?.((name, bytes) => {
        const topic = this.label(this.topics, name)
        this.m.gossipMessages.inc({ topic })
        this.m.gossipBytes.inc({ topic }, bytes)
      })
    ]
    return () => {
      for (const fn of off) fn?.()
      this.sources = {}
    }
  }

  async render(): Promise<string> {
    this.sample()
    return await this.registry.metrics()
  }

  /** Pull sources are read at scrape time only: nothing runs between scrapes. */
  private sample(): void {
    const s = this.sources
    const counts = s.taskCounts?.()
    if (counts != null) {
      this.m.inFlight.set((counts.assigned ?? 0) + (counts.running ?? 0))
      this.m.queued.set(counts.queued ?? 0)
      this.m.journalRows.reset()
      for (const [kind, n] of Object.entries(counts)) this.m.journalRows.set({ kind }, n)
    }
    if (s.agents != null) {
      this.m.agentRunning.reset()
      this.m.agentCapacity.reset()
      for (const a of s.agents()) {
        const labels = { peer: a.peerId, agent: a.agent, local: String(a.local) }
        this.m.agentRunning.set(labels, a.running)
        this.m.agentCapacity.set(labels, a.capacity)
      }
    }
    if (s.members != null) {
      const byState: Record<string, number> = { alive: 0, suspect: 0, dead: 0 }
      for (const m of s.members()) byState[m.state] = (byState[m.state] ?? 0) + 1
      for (const [state, n] of Object.entries(byState)) this.m.members.set({ state }, n)
    }
    if (s.connections != null) this.m.connections.set(s.connections())
    if (s.journalBytes != null) this.m.journalBytes.set(s.journalBytes())
    this.sampleTotals(this.m.piecesDropped, this.piecesSeen, s.piecesDropped?.())
    this.sampleTotals(this.m.resultsRejected, this.rejectedSeen, s.resultsRejected?.())
  }

  /** A counter must only grow, so it takes the source's growth since the last scrape. */
  private sampleTotals(
    counter: Counter<'reason'>,
    seen: Map<string, number>,
    totals: Record<string, number> | undefined
  ): void {
    if (totals == null) return
    for (const [reason, total] of Object.entries(totals)) {
      const delta = total - (seen.get(reason) ?? 0)
      // Zero too, so every reason is listed from the first scrape on.
      if (delta >= 0) counter.inc({ reason }, delta)
      seen.set(reason, total)
    }
  }

  /** Capability names are validated on the wire, but their number is not bounded there. */
  private capability(name: string): string {
    return this.label(this.capabilities, name)
  }

  /** Each distinct label value is a time series: past the bound, the rest share `other`. */
  private label(seen: Set<string>, name: string): string {
    if (seen.has(name)) return name
    if (seen.size >= this.maxCapabilities) return 'other'
    seen.add(name)
    return name
  }

  private taskChanged(task: TaskSnapshot): void {
    const capability = this.capability(task.capability)
    let seen = this.seenAttempts.get(task.taskId)
    if (seen == null) {
      if (task.status === 'queued' && task.attempts.length === 0) this.m.tasksAccepted.inc({ capability })
      seen = 0
    }
    for (const a of task.attempts) {
      if (a.n <= seen || a.endedAt == null || a.outcome == null) continue
      this.m.attempts.inc({ capability, outcome: a.outcome })
      this.m.attemptDuration.observe({ capability, outcome: a.outcome }, (a.endedAt - a.startedAt) / 1000)
      seen = a.n
    }
    if (TERMINAL.has(task.status)) {
      this.seenAttempts.delete(task.taskId)
      this.m.tasksFinished.inc({ capability, outcome: task.status })
      this.m.taskDuration.observe(
        { capability, outcome: task.status },
        Math.max(0, task.updatedAt - task.createdAt) / 1000
      )
      return
    }
    this.track(this.seenAttempts, task.taskId, seen)
  }

  /** Executors and forwarders report only how a task ended, so these are counts. */
  private taskEvent(event: TaskEventSnapshot): void {
    if (event.role === 'origin' || !EVENT_END.has(event.status)) return
    const capability = this.capability(event.capability)
    this.m.executions.inc({ role: event.role, capability, outcome: event.status })
  }

  /** A bounded map: past its bound the oldest entry goes (insertion order). */
  private track<V>(map: Map<string, V>, key: string, value: V): void {
    map.delete(key)
    map.set(key, value)
    if (map.size > this.maxTracked) {
      const oldest = map.keys().next().value
      if (oldest != null) map.delete(oldest)
    }
  }
}
