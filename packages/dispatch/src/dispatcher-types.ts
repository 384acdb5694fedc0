import type { TaskJournal, TaskRecord } from '@mesh-node/journal'
import type { CapabilityRegistry } from '@mesh-node/membership'
import type { RejectedResults, Tasks, TaskTarget } from '@mesh-node/tasks'
import type { Logger } from 'pino'
import type { DispatchPumpInit } from './dispatch-pump.js'
import type { TraceStore } from './trace-store.js'

// The dispatcher's contract; task-dispatcher.ts implements it.

export interface DispatcherComponents {
  journal: TaskJournal
  tasks: Pick<Tasks, 'submit'>
  /** Counts deliveries refused here (`not_sent`), beside the task path's own refusals. */
  rejected?: Pick<RejectedResults, 'add'>
  registry: CapabilityRegistry
  selfPeerId: string
  /** Connected peers right now; named in a no_agent error. */
  connectedPeers?: () => number
  /** Where each task's trace is kept for `task ID --trace`; none kept when absent. */
  traces?: TraceStore
  log: Logger
}

export interface DispatcherInit {
  /** How long a --queue task may wait for a capable agent. @default 24 h */
  queueTtlMs?: number
  /** How often waiting tasks look again, besides agent-join events. @default 2000 */
  retryIntervalMs?: number
  /**
   * After a restart the node knows no peers yet: resumed tasks that find no
   * agent wait this long for the mesh to reappear before failing. @default 20000
   */
  resumeGraceMs?: number
  /**
   * Right after a start, discovery has not run yet: tasks accepted this soon
   * wait for a capable agent (within their deadline) instead of failing
   * no_agent at once. @default 10000
   */
  warmupMs?: number
  /** How many dispatches are out at once, and how the intake of a burst of submits comes first (dispatch-pump.ts). */
  pump?: DispatchPumpInit
}

export interface SubmitRequest {
  /** A caller-chosen id (the A2A server's task id); a random UUID by default. */
  taskId?: string
  capability: string
  input: unknown
  timeoutMs: number
  /** Keep the task until a capable agent appears instead of failing it. */
  queue: boolean
  /** 'never': an executor whose crash cut a run short fails it `interrupted`. Journaled. @default 'idempotent' */
  retry?: 'never' | 'idempotent'
  /** Only these peers, best first, moving on after a failure: an auction's bidders. Journaled with the task. */
  candidates?: string[]
  /**
   * An auction's bids, best first: each bid's own agent runs the task, the
   * next bid taking over when one fails. Journaled, so honoured after a restart.
   */
  bids?: Array<{ peer: string; agent: string }>
  /** This peer (and agent) only, or fail: `submit --agent NAME@PEER`. Journaled with the task. */
  target?: TaskTarget
  /** The caller's W3C traceparent (validated); the task keeps its trace id. */
  traceparent?: string
  /** The submit's Idempotency-Key and the hash of its request, journaled with the task (see `replayOf`). */
  idempotencyKey?: string
  requestHash?: string
}

/** What a submit with an Idempotency-Key finds: nothing yet, the same task, or a different request. */
export type Replay =
  | { kind: 'new' }
  | { kind: 'replay'; task: TaskRecord }
  | { kind: 'conflict'; task: TaskRecord }

/**
 * The origin's side of a task's life. A task is journaled before `submit`
 * returns (that is what "accepted" means), every attempt is recorded, and on
 * restart every unfinished task is dispatched again: none is lost.
 */
export interface TaskDispatcher {
  submit(request: SubmitRequest): TaskRecord
  /**
   * As `submit`, with group commit: resolves once the task is in the journal,
   * committed together with every other accept of the same event-loop turn.
   * Dispatch starts right after. Rejects with the journal's `duplicate_key` /
   * `duplicate_task` error when the key or id was taken (possibly by a submit
   * of the same group).
   */
  submitDurable(request: SubmitRequest): Promise<TaskRecord>
  /** Whether a submit with this key was already accepted, and with the same request hash. */
  replayOf(idempotencyKey: string, requestHash: string): Replay
  /** Resolves with the task once it is completed, failed or cancelled. */
  wait(taskId: string, signal?: AbortSignal): Promise<TaskRecord>
  cancel(taskId: string): TaskRecord | undefined
  /** Accepts a result an executor held while this node was away. */
  acceptDelivered(
    result: {
      taskId: string
      status: string
      result?: unknown
      error?: { code: string; message: string }
      executor?: string
      agent?: string
      path: string[]
    },
    from: string
  ): boolean
  start(): void
  stop(): void
}
