import { randomUUID } from 'node:crypto'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { AgentRuntime } from '@mesh-node/agents'
import type { CapabilityProviders } from '@mesh-node/membership'
import { type CapabilityRegistry, localAgentAds } from '@mesh-node/membership'
import {
  type AgentAd,
  type CancelAckMessage,
  type CapabilityQueryMessage,
  type CapabilityReplyMessage,
  type HopSpan,
  MAX_HOPS,
  MAX_TASK_TIMEOUT_MS,
  type TaskCancelMessage,
  type TaskRequestMessage,
  type TaskResultMessage
} from '@mesh-node/protocol'
import { type Rpc, TransportError } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import { CancelTable, type CancelTableInit, isCancel } from './cancels.js'
import { capabilityQuery } from './messages/capability-query.js'
import { taskRequest } from './messages/task-request.js'
import type { TaskPieces } from './pieces.js'
import { type Candidate, candidatesFrom, leastLoaded, type RoutingStrategy } from './strategy.js'
import {
  needsConfirmation,
  TASK_TARGET_FEATURE,
  type TaskTarget,
  targetCandidates,
  targetFailure
} from './target.js'
import {
  formatTraceparent,
  type HopTiming,
  startTiming,
  type TraceContext,
  traceFor,
  withHopSpan
} from './trace.js'

export interface OutcomeError {
  code: string
  message: string
}

/** What `submit` returns: the task's final answer, and where it went. */
export interface TaskOutcome {
  taskId: string
  status: 'completed' | 'failed'
  result?: unknown
  error?: OutcomeError
  executor?: string
  agent?: string
  path: string[]
  /** The task's trace id and the hops' own accounts of their time, origin first (unverified beyond this node). */
  trace?: { traceId: string; spans: HopSpan[] }
}

export type RouteAttemptOutcome = 'completed' | 'failed' | 'busy' | 'no_agent' | 'lost' | 'timeout'

/** Told of each executor a task is handed to, so the origin's journal keeps every attempt. */
export interface AttemptObserver {
  started(executor: string): void
  ended(executor: string, outcome: RouteAttemptOutcome, info: { agent?: string; error?: OutcomeError }): void
}

export interface SubmitOptions {
  capability: string
  input: unknown
  timeoutMs: number
  taskId?: string
  signal?: AbortSignal
  observer?: AttemptObserver
  /** Try this peer first: after an origin restart, the executor that may already hold the result. */
  preferPeer?: string
  /** Only these peers, in this order (an auction's bidders, best first). */
  candidates?: string[]
  /** On a handler failure, try the next candidate instead of answering failed. */
  failover?: boolean
  /** Run on this peer (and agent) only, or fail: `submit --agent NAME@PEER`. */
  target?: TaskTarget
  /** W3C traceparent of the caller; its trace id is kept, else one is made. */
  traceparent?: string
}

/** Durable memory of what this node executed, so a repeat never runs twice, even after a restart. */
export interface ExecutionStore {
  get(
    taskId: string
  ):
    | { status: 'running' | 'completed' | 'failed'; result?: unknown; error?: OutcomeError; agent?: string }
    | undefined
  record(
    taskId: string,
    origin: string,
    outcome: { status: 'completed' | 'failed'; result?: unknown; error?: OutcomeError; agent?: string }
  ): void
}

/** Lifecycle notices, for the task list and logs. */
export interface TaskEvent {
  taskId: string
  role: 'origin' | 'executor' | 'forwarder'
  capability: string
  from: string
  status: 'started' | 'completed' | 'failed' | 'busy' | 'no_agent'
  executor?: string
  agent?: string
  path?: string[]
  error?: OutcomeError
  at: number
}

export interface TaskRouterComponents {
  runtime: AgentRuntime
  registry: CapabilityRegistry
  rpc: Pick<Rpc, 'request'>
  providers: CapabilityProviders
  selfPeerId: string
  log: Logger
  executions?: ExecutionStore
  /** Streamed pieces of running tasks; without it, handlers' pieces go nowhere. */
  pieces?: TaskPieces
}

export interface TaskRouterInit {
  /** Most forwards per task; at most MAX_HOPS. @default 3 */
  maxHops?: number
  strategy?: RoutingStrategy
  /** How long a cold lookup may wait on the DHT. @default 1500 */
  dhtLookupTimeoutMs?: number
  /** Retries of one peer after a transport error. @default 2 */
  transportRetries?: number
  /** Remembered results, so a repeated task id gets its stored answer. @default 10000 */
  executedCacheSize?: number
  /** Bounds of the cancel table (tombstones, how long a hop's cancel may take). */
  cancels?: CancelTableInit
}

export interface TaskRouter {
  submit(options: SubmitOptions): Promise<TaskOutcome>
  /** Handles a task_request from a peer: run, delegate, forward or refuse. */
  handleRequest(request: TaskRequestMessage, remotePeer: PeerId): Promise<TaskResultMessage>
  /** Handles a task_cancel from a peer: stop the task here and pass the cancel on. */
  handleCancel(msg: TaskCancelMessage, remotePeer: string): CancelAckMessage['status']
  /** Answers a capability_query from a peer. */
  capabilityReply(query: CapabilityQueryMessage): CapabilityReplyMessage
  /** Learns a peer's agents by asking it directly. */
  queryPeer(peerId: string, timeoutMs: number): Promise<AgentAd[] | undefined>
  onTaskEvent(listener: (event: TaskEvent) => void): () => void
}

interface RouteRequest {
  taskId: string
  capability: string
  input: unknown
  from: string
  deadline: number
  hops: number
  /** Visited peers, this node last. */
  path: string[]
  trace: TraceContext
  timing: HopTiming
  signal?: AbortSignal
  observer?: AttemptObserver
  preferPeer?: string
  candidates?: string[]
  failover?: boolean
  target?: TaskTarget
}

type RouteResult = Omit<TaskResultMessage, 'type' | 'id'>

const sleep = async (ms: number, signal?: AbortSignal): Promise<void> =>
  await new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        resolve()
      },
      { once: true }
    )
  })

/** Where pieces of this task go from here: the peer that sent it, or none at the origin. */
function upstreamOf(req: RouteRequest, self: string): string | undefined {
  return req.from === self ? undefined : req.path[req.path.length - 2]
}

function cancelled(taskId: string, path: string[]): RouteResult {
  return {
    taskId,
    status: 'failed',
    path,
    error: { code: 'cancelled', message: 'the origin cancelled this task' }
  }
}

/** Error text travels in bounded fields (8 KiB on the wire). */
function bounded(error: OutcomeError | undefined): OutcomeError | undefined {
  if (error == null) return undefined
  return {
    code: error.code.slice(0, 64),
    message: error.message.length > 8000 ? `${error.message.slice(0, 8000)}…` : error.message
  }
}

class DefaultTaskRouter implements TaskRouter {
  private readonly maxHops: number
  private readonly strategy: RoutingStrategy
  /** taskId -> the answer, or the work producing it: a repeat never runs twice. */
  private readonly executed = new Map<string, Promise<RouteResult>>()
  private readonly listeners = new Set<(event: TaskEvent) => void>()
  private readonly cancels: CancelTable

  constructor(
    private readonly components: TaskRouterComponents,
    private readonly init: TaskRouterInit
  ) {
    this.maxHops = Math.min(init.maxHops ?? 3, MAX_HOPS)
    this.strategy = init.strategy ?? leastLoaded
    this.cancels = new CancelTable(
      components.rpc,
      components.log.child({ component: 'cancel' }),
      init.cancels
    )
  }

  handleCancel(msg: TaskCancelMessage, remotePeer: string): CancelAckMessage['status'] {
    return this.cancels.cancel(msg, remotePeer)
  }

  onTaskEvent(listener: (event: TaskEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(event: Omit<TaskEvent, 'at'>): void {
    for (const l of this.listeners) {
      try {
        l({ ...event, at: Date.now() })
      } catch {
        /* listeners must not break routing */
      }
    }
  }

  async submit(options: SubmitOptions): Promise<TaskOutcome> {
    const self = this.components.selfPeerId
    const taskId = options.taskId ?? randomUUID()
    const timeoutMs = Math.min(Math.max(1, options.timeoutMs), MAX_TASK_TIMEOUT_MS)
    const deadline = Date.now() + timeoutMs
    const trace = traceFor(taskId, options.traceparent)
    const log = this.components.log.child({ taskId, traceId: trace.traceId })
    this.emit({ taskId, role: 'origin', capability: options.capability, from: self, status: 'started' })
    log.debug({ capability: options.capability, timeoutMs }, 'task submitted')

    const request: RouteRequest = {
      taskId,
      capability: options.capability,
      input: options.input,
      from: self,
      deadline,
      hops: 0,
      path: [self],
      trace,
      timing: startTiming(),
      signal: options.signal,
      observer: options.observer,
      preferPeer: options.preferPeer,
      candidates: options.candidates,
      failover: options.failover,
      target: options.target
    }
    let res = await this.route(request)
    // Everyone capable is at capacity: back off and try again until the
    // deadline, instead of failing work the mesh will have room for soon.
    let backoff = 2
    while (res.status === 'busy' && Date.now() + backoff < deadline && options.signal?.aborted !== true) {
      await sleep(backoff * (0.5 + Math.random()), options.signal)
      backoff = Math.min(backoff * 2, 100)
      res = await this.route(request)
    }
    const outcome: TaskOutcome = {
      ...this.toOutcome(res, options.capability),
      trace: {
        traceId: trace.traceId,
        spans: withHopSpan(res.spans, {
          peerId: self,
          trace,
          timing: request.timing,
          executed: res.executor === self
        })
      }
    }
    this.emit({
      taskId,
      role: 'origin',
      capability: options.capability,
      from: self,
      status: outcome.status,
      executor: outcome.executor,
      agent: outcome.agent,
      path: outcome.path,
      error: outcome.error
    })
    log.debug(
      { status: outcome.status, executor: outcome.executor, path: outcome.path, error: outcome.error?.code },
      'task finished'
    )
    return outcome
  }

  private toOutcome(res: RouteResult, capability: string): TaskOutcome {
    const base = { taskId: res.taskId, executor: res.executor, agent: res.agent, path: res.path }
    switch (res.status) {
      case 'completed':
        return { ...base, status: 'completed', result: res.result ?? null }
      case 'failed':
        return { ...base, status: 'failed', error: res.error ?? { code: 'failed', message: 'task failed' } }
      case 'busy':
        return {
          ...base,
          status: 'failed',
          error: {
            code: 'all_busy',
            message: `every agent that can handle ${capability} stayed busy until the deadline`
          }
        }
      default:
        return {
          ...base,
          status: 'failed',
          error:
            res.error?.code === 'timeout'
              ? res.error
              : { code: 'no_agent', message: `no agent can handle: ${capability}` }
        }
    }
  }

  async handleRequest(msg: TaskRequestMessage, remotePeer: PeerId): Promise<TaskResultMessage> {
    const self = this.components.selfPeerId
    const reply = (res: RouteResult): TaskResultMessage => ({ ...res, type: 'task_result', id: msg.id })
    const base = { taskId: msg.taskId }
    if (msg.path.includes(self)) {
      return reply({
        ...base,
        status: 'no_agent',
        path: msg.path,
        error: { code: 'loop', message: 'this node is already on the task path' }
      })
    }
    if (msg.path[msg.path.length - 1] !== remotePeer.toString()) {
      return reply({
        ...base,
        status: 'failed',
        path: msg.path,
        error: { code: 'bad_path', message: 'the last peer on the path must be the sender' }
      })
    }
    if (msg.target != null && msg.target.peer !== self) {
      return reply({
        ...base,
        status: 'failed',
        path: [...msg.path, self],
        error: { code: 'wrong_peer', message: `the task is for peer ${msg.target.peer}, not this one` }
      })
    }
    const deadline = Math.min(msg.deadline, Date.now() + MAX_TASK_TIMEOUT_MS)
    const existing = this.executed.get(msg.taskId)
    if (existing != null) return reply(await existing)
    const stored = this.components.executions?.get(msg.taskId)
    if (stored != null && stored.status !== 'running') {
      return reply({
        ...base,
        status: stored.status,
        result: stored.result,
        error: stored.error,
        agent: stored.agent,
        executor: self,
        path: [...msg.path, self]
      })
    }

    const sender = remotePeer.toString()
    if (this.cancels.refuses(msg.taskId, msg.from, sender)) return reply(cancelled(msg.taskId, msg.path))
    const held = this.cancels.hold(msg.taskId, msg.from, sender)
    const trace = traceFor(msg.taskId, msg.traceparent)
    const timing = startTiming()
    this.components.log.debug(
      { taskId: msg.taskId, traceId: trace.traceId, remotePeer: remotePeer.toString(), hops: msg.hops },
      'task received'
    )
    const work = this.route({
      taskId: msg.taskId,
      capability: msg.capability,
      input: msg.input,
      from: msg.from,
      deadline,
      hops: msg.hops,
      path: [...msg.path, self],
      target: msg.target,
      signal: held.signal,
      trace,
      timing
    })
      .then((r) =>
        isCancel(held.signal.reason)
          ? { ...cancelled(msg.taskId, r.path), executor: r.executor, agent: r.agent }
          : r
      )
      .finally(held.release)
    this.remember(msg.taskId, work)
    const done = await work
    // This hop's own account goes in front of the ones the next hops sent back.
    const res: RouteResult = {
      ...done,
      spans: withHopSpan(done.spans, { peerId: self, trace, timing, executed: done.executor === self })
    }
    // Busy and no-agent are not executions: a retry may find room here later.
    if (res.status === 'busy' || res.status === 'no_agent') this.executed.delete(msg.taskId)
    else if (res.executor === self) {
      this.components.executions?.record(msg.taskId, msg.from, {
        status: res.status,
        result: res.result,
        error: res.error,
        agent: res.agent
      })
    }
    return reply(res)
  }

  private remember(taskId: string, work: Promise<RouteResult>): void {
    this.executed.set(taskId, work)
    const max = this.init.executedCacheSize ?? 10_000
    if (this.executed.size > max) {
      const oldest = this.executed.keys().next().value
      if (oldest != null) this.executed.delete(oldest)
    }
  }

  capabilityReply(query: CapabilityQueryMessage): CapabilityReplyMessage {
    const ads = localAgentAds(this.components.runtime)
    const { capability } = query
    return {
      type: 'capability_reply',
      id: query.id,
      agents: capability == null ? ads : ads.filter((a) => a.capabilities.includes(capability)),
      features: [TASK_TARGET_FEATURE]
    }
  }

  /** Whether `peerId` says it honours task targets; undefined when it did not answer. */
  private async honoursTargets(peerId: string, deadline: number): Promise<boolean | undefined> {
    try {
      const reply = await this.components.rpc.request(
        capabilityQuery,
        peerIdFromString(peerId),
        {},
        { timeoutMs: Math.max(1, Math.min(2000, deadline - Date.now())) }
      )
      return reply.features?.includes(TASK_TARGET_FEATURE) === true
    } catch {
      return undefined
    }
  }

  private targetFailed(req: RouteRequest, why: 'gone' | 'unreachable' | 'unsupported'): RouteResult {
    const error = targetFailure(req.target as TaskTarget, req.capability, why)
    return { taskId: req.taskId, status: 'failed', path: req.path, error }
  }

  async queryPeer(peerId: string, timeoutMs: number): Promise<AgentAd[] | undefined> {
    const started = performance.now()
    try {
      const reply = await this.components.rpc.request(
        capabilityQuery,
        peerIdFromString(peerId),
        {},
        { timeoutMs }
      )
      this.components.registry.recordLatency(peerId, performance.now() - started)
      return reply.agents
    } catch (err) {
      this.components.log.debug(
        { remotePeer: peerId, err: (err as Error).message },
        'capability query failed'
      )
      return undefined
    }
  }

  /** Registry first (a map read); the DHT only when the registry knows nobody. */
  private async lookup(capability: string, deadline: number, exclude: Set<string>): Promise<Candidate[]> {
    const latency = (p: string): number | undefined => this.components.registry.latency(p)
    let found = candidatesFrom(this.components.registry.find(capability), latency).filter(
      (c) => c.local || !exclude.has(c.peerId)
    )
    if (found.length > 0) return found
    const budget = Math.min(this.init.dhtLookupTimeoutMs ?? 1500, deadline - Date.now())
    if (budget <= 0) return []
    const providers = (
      await this.components.providers.findProviders(capability, { timeoutMs: budget })
    ).filter((p) => !exclude.has(p))
    await Promise.all(
      providers.map(async (p) => {
        const agents = await this.queryPeer(p, Math.max(1, Math.min(1000, deadline - Date.now())))
        if (agents != null) this.components.registry.upsertPeer(p, agents, 'dht')
      })
    )
    found = candidatesFrom(this.components.registry.find(capability), latency).filter(
      (c) => c.local || !exclude.has(c.peerId)
    )
    return found
  }

  private async route(req: RouteRequest): Promise<RouteResult> {
    const self = this.components.selfPeerId
    const log = this.components.log.child({ taskId: req.taskId, traceId: req.trace.traceId })
    const exclude = new Set(req.path)
    const target = req.target
    let candidates =
      target != null
        ? targetCandidates(this.components.registry.find(req.capability), target, (p) =>
            this.components.registry.latency(p)
          )
        : this.strategy(await this.lookup(req.capability, req.deadline, exclude))
    if (req.candidates != null) {
      const order = req.candidates
      candidates = candidates
        .filter((c) => order.includes(c.peerId))
        .sort((a, b) => order.indexOf(a.peerId) - order.indexOf(b.peerId))
    }
    if (req.preferPeer != null) {
      candidates = [
        ...candidates.filter((c) => c.peerId === req.preferPeer),
        ...candidates.filter((c) => c.peerId !== req.preferPeer)
      ]
    }
    let sawBusy = false
    let sawLost = false
    let lastFailure: RouteResult | undefined
    for (const c of candidates) {
      const remaining = req.deadline - Date.now()
      if (remaining <= 0 || req.signal?.aborted === true) {
        return {
          taskId: req.taskId,
          status: 'failed',
          path: req.path,
          error: { code: 'timeout', message: 'the task deadline passed before any agent answered' }
        }
      }
      if (c.local) {
        // Full right now: skip without an attempt, as a remote would answer busy.
        const free = this.components.runtime
          .candidates(req.capability)
          .some((a) => a.running < a.capacity && (target?.agent === undefined || a.name === target.agent))
        if (!free) {
          sawBusy = true
          continue
        }
        req.observer?.started(self)
        const pieces = this.components.pieces?.emitter(req.taskId, upstreamOf(req, self))
        const ranAt = performance.now()
        const outcome = await this.components.runtime.runTask(
          {
            type: 'task_request',
            taskId: req.taskId,
            capability: req.capability,
            input: req.input,
            from: req.from,
            deadline: req.deadline
          },
          // The runtime enforces the request deadline itself.
          { signal: req.signal, agent: target?.agent, onPiece: pieces?.emit, traceId: req.trace.traceId }
        )
        await pieces?.close()
        req.timing.executedMs += performance.now() - ranAt
        log.debug({ status: outcome.status }, 'task ran here')
        if (outcome.status === 'busy' || outcome.status === 'none') {
          req.observer?.ended(self, outcome.status === 'busy' ? 'busy' : 'no_agent', {})
          sawBusy ||= outcome.status === 'busy'
          continue
        }
        req.observer?.ended(self, outcome.status, {
          agent: outcome.agent,
          error: outcome.status === 'failed' ? outcome.error : undefined
        })
        const role = req.from === self ? 'origin' : 'executor'
        if (outcome.status === 'completed') {
          this.emit({
            taskId: req.taskId,
            role,
            capability: req.capability,
            from: req.from,
            status: 'completed',
            executor: self,
            agent: outcome.agent,
            path: req.path
          })
          return {
            taskId: req.taskId,
            status: 'completed',
            result: outcome.result ?? null,
            executor: self,
            agent: outcome.agent,
            path: req.path
          }
        }
        this.emit({
          taskId: req.taskId,
          role,
          capability: req.capability,
          from: req.from,
          status: 'failed',
          executor: self,
          agent: outcome.agent,
          path: req.path,
          error: outcome.error
        })
        log.info({ agent: outcome.agent, error: outcome.error }, 'handler failed')
        const failure: RouteResult = {
          taskId: req.taskId,
          status: 'failed',
          error: bounded(outcome.error),
          executor: self,
          agent: outcome.agent,
          path: req.path
        }
        if (req.failover === true) {
          lastFailure = failure
          continue
        }
        return failure
      }
      // Forwarding to a peer counts as a hop; delegation from a full agent too.
      if (req.hops >= this.maxHops) continue
      if (target != null && needsConfirmation(this.components.registry.find(req.capability), target)) {
        const confirmed = await this.honoursTargets(c.peerId, req.deadline)
        if (!confirmed) return this.targetFailed(req, confirmed === false ? 'unsupported' : 'unreachable')
      }
      req.observer?.started(c.peerId)
      // While this peer has the task, its pieces (and only its) are relayed.
      const release = this.components.pieces?.expect(req.taskId, c.peerId, upstreamOf(req, self))
      const stopPassing = this.cancels.passOn(c.peerId, req.taskId, req.from, req.signal)
      const sentAt = performance.now()
      try {
        const res = await this.send(c.peerId, req).finally(async () => {
          req.timing.forwardedMs += performance.now() - sentAt
          await release?.()
        })
        log.debug({ remotePeer: c.peerId, status: res.status }, 'task forwarded')
        req.observer?.ended(c.peerId, res.status, { agent: res.agent, error: res.error })
        if (res.status === 'busy') {
          sawBusy = true
          continue
        }
        if (res.status === 'no_agent') continue
        if (res.status === 'failed' && req.failover === true) {
          lastFailure = res
          continue
        }
        if (req.from !== self)
          this.emit({
            taskId: req.taskId,
            role: 'forwarder',
            capability: req.capability,
            from: req.from,
            status: res.status,
            executor: res.executor,
            path: res.path
          })
        return {
          taskId: res.taskId,
          status: res.status,
          result: res.result,
          error: res.error,
          executor: res.executor,
          agent: res.agent,
          path: res.path,
          spans: res.spans
        }
      } catch (err) {
        log.debug(
          { remotePeer: c.peerId, err: (err as Error).message },
          'peer unreachable for task; trying the next candidate'
        )
        const timedOut = err instanceof TransportError && err.code === 'timeout'
        sawLost = true
        req.observer?.ended(c.peerId, timedOut ? 'timeout' : 'lost', {
          error: { code: timedOut ? 'timeout' : 'executor_lost', message: (err as Error).message }
        })
        if (timedOut) {
          if (isCancel(req.signal?.reason)) return cancelled(req.taskId, req.path)
          return {
            taskId: req.taskId,
            status: 'failed',
            path: req.path,
            error: { code: 'timeout', message: `no answer from ${c.peerId} before the deadline` }
          }
        }
      } finally {
        stopPassing()
      }
    }
    if (lastFailure != null) return lastFailure
    if (target != null && !sawBusy) return this.targetFailed(req, sawLost ? 'unreachable' : 'gone')
    return { taskId: req.taskId, status: sawBusy ? 'busy' : 'no_agent', path: req.path }
  }

  /** One peer, retried with backoff on transport errors only. */
  private async send(peerId: string, req: RouteRequest): Promise<TaskResultMessage> {
    const retries = this.init.transportRetries ?? 2
    const peer = peerIdFromString(peerId)
    for (let attempt = 0; ; attempt++) {
      const remaining = req.deadline - Date.now()
      try {
        return await this.components.rpc.request(
          taskRequest,
          peer,
          {
            taskId: req.taskId,
            capability: req.capability,
            input: req.input,
            from: req.from,
            deadline: req.deadline,
            // A targeted task goes out with no hop left, so that not even a
            // node that predates `target` (and ignores it) forwards it.
            hops: req.target != null ? MAX_HOPS : req.hops + 1,
            path: req.path,
            target: req.target,
            traceparent: formatTraceparent(req.trace)
          },
          { timeoutMs: Math.max(1, remaining), signal: req.signal }
        )
      } catch (err) {
        const retryable = err instanceof TransportError && err.code !== 'timeout'
        const pause = 50 * 3 ** attempt
        if (!retryable || attempt >= retries || Date.now() + pause >= req.deadline) throw err
        if (!this.components.registry.isAvailable(peerId)) throw err
        await sleep(pause, req.signal)
      }
    }
  }
}

export function createTaskRouter(components: TaskRouterComponents, init: TaskRouterInit = {}): TaskRouter {
  return new DefaultTaskRouter(components, init)
}
