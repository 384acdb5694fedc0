import type { AgentSpec, CapabilitySchemas, HandlerKind, RuntimeLog } from '@mesh-node/handlers'
import type { HandlerRequest, TaskRequest } from '@mesh-node/sdk'

export type { LogLevel, RuntimeLog } from '@mesh-node/handlers'

export interface AgentState {
  name: string
  capabilities: string[]
  capacity: number
  /** Tasks running now; questions asked through ask() are not counted. */
  running: number
  /** running / capacity, in [0, 1]. */
  load: number
  handlerKind: HandlerKind
  /** Capability name to its declared schemas, for the capabilities that declare any. */
  schemas?: Record<string, CapabilitySchemas>
}

export type RunOutcome =
  | { status: 'completed'; agent: string; result: unknown }
  | { status: 'failed'; agent: string; error: { code: string; message: string } }
  /** Every local agent with the capability is at capacity (or the runtime is closing). */
  | { status: 'busy' }
  /** No local agent has the capability. */
  | { status: 'none' }

/** A piece a handler streamed while running a task (HandlerContext.emit). */
export interface TaskPiece {
  kind: 'progress' | 'partial'
  data: unknown
  agent: string
}

export interface CallOptions {
  /** Abort to cancel the call; the handler's processes and requests are stopped. */
  signal?: AbortSignal
  /** runTask only: run on this agent and no other (a task sent to one agent). */
  agent?: string
  /** Told of every piece the handler streams while it runs a task. */
  onPiece?: (piece: TaskPiece) => void
  /** runTask only: the task's trace id, so the runtime's and handler's log lines join its trace. */
  traceId?: string
  /**
   * runTask only: awaited once a slot on `agent` is taken and before the
   * handler starts (so a busy answer never calls it): the executor's durable
   * "run started" record. If it rejects, the handler does not run and the
   * task fails `journal_failed`.
   */
  beforeStart?: (agent: string) => Promise<void>
}

export interface AgentRuntime {
  list(): AgentState[]
  /** Union of all local agents' capabilities, sorted. */
  capabilities(): string[]
  /** Local agents with the capability, least loaded first, then by name. */
  candidates(capability: string): AgentState[]
  /**
   * Runs a task on the least-loaded local agent with a free slot for
   * `request.capability`. The slot is taken before this returns its promise,
   * so concurrent calls never exceed capacity. Never rejects: failures are
   * reported in the outcome.
   */
  runTask(request: TaskRequest, options?: CallOptions): Promise<RunOutcome>
  /**
   * Asks one agent a question (vote, brainstorm, critique, bid). Questions do
   * not take a task slot, so a busy agent still answers, but they have their
   * own pool as wide as the agent's capacity, with a queue of 8 per slot;
   * past that the call rejects with `handler_busy`. Rejects with a
   * HandlerError.
   */
  ask(agent: string, request: Exclude<HandlerRequest, TaskRequest>, options?: CallOptions): Promise<unknown>
  /** Called with a fresh snapshot whenever a running count changes; returns an unsubscribe function. */
  onChange(listener: (agents: AgentState[]) => void): () => void
  /** Aborts running handlers (killing their processes) and waits for them to finish. */
  close(): Promise<void>
}

export interface AgentRuntimeInit {
  agents: AgentSpec[]
  /** Directory that relative handler paths are resolved against. */
  baseDir: string
  /**
   * A directory (in the data dir) where exec process groups are recorded, so
   * that none outlives the daemon: a reaper kills them when the daemon dies,
   * and the next start kills any it missed. Without it, exec agents of a
   * killed daemon may keep running.
   */
  processDir?: string
  /** Environment added for an agent's exec processes, read at each spawn. */
  agentEnv?: (agent: string) => Record<string, string>
  log?: RuntimeLog
}
