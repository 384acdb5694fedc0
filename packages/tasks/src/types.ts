import type { HopSpan } from '@mesh-node/protocol'
import type { TaskTarget } from '@mesh-node/routing'

/** A failure as it travels: a code to branch on and a message that says what to fix. */
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

/** How one executor's attempt at a task ended, as the origin's journal records it. */
export type RouteAttemptOutcome = 'completed' | 'failed' | 'busy' | 'no_agent' | 'lost' | 'timeout'

/** Told of each executor a task is handed to, so the origin's journal keeps every attempt. */
export interface AttemptObserver {
  /**
   * `token`: the attempt's token (PROTOCOL §6.9), for a result that arrives
   * after a restart. A promise is waited for before the attempt begins (the
   * origin's journal makes the attempt durable first).
   */
  started(executor: string, token?: string): void | Promise<void>
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
  /** @default 'idempotent' */
  retry?: RetryPolicy
}

/**
 * The one outcome of an execution on this node, from the executor to the
 * durable executions table: what a repeat of the same task id is answered with.
 */
export interface ExecutionOutcome {
  status: 'completed' | 'failed'
  result?: unknown
  error?: OutcomeError
  agent?: string
}

/** What the durable executions table holds for one (task id, origin). */
export interface StoredExecution extends Omit<ExecutionOutcome, 'status'> {
  status: 'running' | 'completed' | 'failed'
  /** How many times this node began the task; absent: 1. */
  attempt?: number
}

/**
 * Durable memory of what this node executed, keyed by the task's origin and
 * id (never the id alone: ids are the origins' to choose), so a repeat never
 * runs twice, even after a restart.
 */
export interface ExecutionStore {
  get(taskId: string, origin: string): StoredExecution | undefined
  /**
   * Records that attempt `attempt` starts on `agent`; resolves once that is
   * committed, so a handler never runs without a durable start record.
   */
  begin(taskId: string, origin: string, attempt: number, agent: string): Promise<void>
  record(taskId: string, origin: string, outcome: ExecutionOutcome): void
}

/**
 * What an executor does with a run of the task that a crash cut short:
 * 'idempotent' (the default) runs it again as the next attempt, 'never'
 * fails the task `interrupted`.
 */
export type RetryPolicy = 'never' | 'idempotent'

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
