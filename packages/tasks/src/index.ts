/**
 * @packageDocumentation
 *
 * Tasks on the mesh: the path a task takes from the node that accepts it to
 * the agent that runs it, and back.
 *
 * - origin (`origin.ts`): accepts a task, dispatches it, backs off while
 *   everyone is busy, and answers with one `TaskOutcome`;
 * - dispatch (`dispatch.ts`): candidates from the registry (the DHT when it
 *   knows nobody), ordered by the strategy, tried in turn: failover;
 * - executor (`executor.ts`): runs the task on an agent of this node;
 * - forwarder (`forwarder.ts`): hands it to a peer (`task_request`), with
 *   transport retries and the hop limit;
 * - receiver (`receiver.ts`) and dedup (`dedup.ts`): a `task_request` from a
 *   peer, checked and de-duplicated by task id, runs here or goes on;
 * - outbox, pieces, cancels: results whose origin was away, streamed
 *   progress, and cancels passed hop by hop.
 *
 * It owns the `task_request`, `result_delivery`, `result_ack`, `task_running`,
 * `task_cancel` and `task_piece` messages (one file each, in `messages/` here
 * and in `@mesh-node/task-relay`) and registers their handlers in `start()`.
 *
 * @example
 * ```ts
 * import { tasks } from '@mesh-node/tasks'
 *
 * const node = tasks({ maxHops: 3 })({ rpc, registry, discovery, runtime, events: libp2p, selfPeerId, log })
 * await node.start()
 * const outcome = await node.submit({ capability: 'echo', input: 'hi', timeoutMs: 5000 })
 * ```
 */

import type { Libp2pEvents, PrivateKey, Startable, TypedEventTarget } from '@libp2p/interface'
import type { AgentRuntime } from '@mesh-node/agents'
import type { CapabilityRegistry } from '@mesh-node/membership'
import type { TaskResultMessage } from '@mesh-node/protocol'
import type { Discovery, RoutingStrategy } from '@mesh-node/routing'
import type { Rpc } from '@mesh-node/rpc'
import type {
  AttemptToken,
  CancelTableInit,
  OutboxStore,
  RejectedResults,
  TaskPieces
} from '@mesh-node/task-relay'
import type { Logger } from 'pino'
import { DefaultTasks } from './tasks.js'
import type { ExecutionStore, SubmitOptions, TaskEvent, TaskOutcome } from './types.js'

export type { RoutingStrategy } from '@mesh-node/routing'
export { TASK_TARGET_FEATURE, type TaskTarget } from '@mesh-node/routing'
export type { OutboxStore, PieceDropReason, StreamedPiece, TaskPieces } from '@mesh-node/task-relay'
export {
  isCancel,
  parseTraceparent,
  REJECT_REASONS,
  type RejectedResults,
  type RejectReason,
  TaskCancelledError,
  traceFor
} from '@mesh-node/task-relay'
export { CANCELLED, INTERRUPTED } from './constants.js'
export type {
  AttemptObserver,
  ExecutionOutcome,
  ExecutionStore,
  OutcomeError,
  RetryPolicy,
  RouteAttemptOutcome,
  StoredExecution,
  SubmitOptions,
  TaskEvent,
  TaskOutcome
} from './types.js'

export interface TasksInit {
  /** Most forwards per task; at most MAX_HOPS. @default 3 */
  maxHops?: number
  /** Orders the candidates of a task, best first. @default least loaded, then lowest latency */
  strategy?: RoutingStrategy
  /** Retries of one peer after a transport error. @default 2 */
  transportRetries?: number
  /** Remembered results, so a repeated task id gets its stored answer. @default 10000 */
  executedCacheSize?: number
  /** Bounds of the cancel table (tombstones, how long a hop's cancel may take). */
  cancels?: CancelTableInit
}

export interface TasksComponents {
  rpc: Pick<Rpc, 'request' | 'handle' | 'unhandle'>
  registry: CapabilityRegistry
  /** Who can run a capability (`@mesh-node/routing`), started by its owner. */
  discovery: Discovery
  runtime: AgentRuntime
  /** The libp2p node's events: a newly identified peer is given the results held for it. */
  events: Pick<TypedEventTarget<Libp2pEvents>, 'addEventListener' | 'removeEventListener'>
  selfPeerId: string
  log: Logger
  /** Durable record of tasks executed here, so repeats never run twice across restarts. */
  executions?: ExecutionStore
  /** Durable outbox for results whose origin is away; in memory when absent. */
  outbox?: OutboxStore
  /** The origin's side of a held result arriving late; returns whether the task is known. */
  acceptDeliveredResult?: (result: Omit<TaskResultMessage, 'type' | 'id'>, from: string) => boolean
  /** The journaled tokens of a task's attempts: a late result verifies after this origin restarted. */
  attemptTokens?: (taskId: string) => AttemptToken[]
  /** This node's peer key: signs the answers of its agents (PROTOCOL.md §6.9). */
  privateKey?: PrivateKey
}

/** The task service of one node. */
export interface Tasks extends Startable {
  /** Runs a task somewhere in the mesh and answers with its outcome (never throws for a task failure). */
  submit(options: SubmitOptions): Promise<TaskOutcome>
  /** Lifecycle notices of tasks this node originates, runs or forwards; returns the unsubscribe. */
  onTaskEvent(listener: (event: TaskEvent) => void): () => void
  /** Streamed progress and partial output of running tasks (§5.6). */
  readonly pieces: TaskPieces
  /** Inbound results not believed, by reason (PROTOCOL.md §6.9): the origin counts here. */
  readonly rejected: RejectedResults
}

export function tasks(init: TasksInit = {}): (components: TasksComponents) => Tasks {
  return (components) => new DefaultTasks(components, init)
}
