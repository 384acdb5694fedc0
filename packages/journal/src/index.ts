/**
 * @packageDocumentation
 *
 * The durable memory of a mesh-node: every task this node accepted, every
 * task it ran for someone else, and every result it still owes an origin that
 * was unreachable. Each state change is one SQLite transaction, so after a
 * crash (even kill -9) the node resumes from exactly what it had committed.
 *
 * Requests and results travel at least once, so duplicates are normal:
 * transitions on a finished task are ignored and return the stored record,
 * and executors answer a repeat of a (origin, task id) from its execution
 * record ({@link TaskJournal.getExecution}) instead of running it again.
 *
 * @example
 * ```ts
 * import { openDatabase } from '@mesh-node/store'
 * import { createTaskJournal } from '@mesh-node/journal'
 *
 * const journal = createTaskJournal(openDatabase('/home/me/.mesh-node/mesh.db'))
 * journal.onChange((task) => console.log(task.taskId, task.status))
 *
 * // origin: accept, dispatch, record the answer
 * journal.accept({ taskId, capability: 'summarize', input, origin: selfId, deadline, timeoutMs, queue: true })
 * const attempt = journal.startAttempt(taskId, executorPeerId)
 * journal.complete(taskId, { result, executor: executorPeerId })
 *
 * // after a restart: pick up where we left off
 * journal.abandonRunningExecutions()
 * for (const task of journal.unfinished()) redispatch(task)
 *
 * // executor: run each (origin, task id) once, whoever asks how often
 * const done = journal.getExecution(taskId, originPeerId)
 * if (done != null) return replyWith(done)
 * journal.beginExecutions([{ taskId, origin: originPeerId, attempt: 1, agent }])
 * journal.recordExecutions([{ taskId, origin: originPeerId, outcome: { status: 'completed', result } }])
 * ```
 */

import type { DatabaseSync } from 'node:sqlite'
import type { JournalError } from './errors.js'
import { SqliteTaskJournal } from './journal.js'

export { JournalError } from './errors.js'
export { INTERRUPTED } from './executions.js'
export { MAX_TRACE_BYTES } from './traces.js'

/** Where a task is on its origin. The last three are terminal. */
export type TaskStatus = 'queued' | 'assigned' | 'running' | 'completed' | 'failed' | 'cancelled'

/** How one attempt at running a task on one executor ended. */
export type AttemptOutcome = 'completed' | 'failed' | 'busy' | 'no_agent' | 'lost' | 'cancelled' | 'timeout'

export interface TaskError {
  code: string
  message: string
}

export interface Attempt {
  /** 1-based, in the order attempts were started */
  n: number
  /** Peer id of the node asked to run the task */
  executor: string
  agent?: string
  startedAt: number
  endedAt?: number
  /** Unset while the attempt is still open */
  outcome?: AttemptOutcome
  error?: TaskError
}

export interface TaskRecord {
  taskId: string
  capability: string
  input: unknown
  /** Peer id of the submitting node */
  origin: string
  status: TaskStatus
  createdAt: number
  updatedAt: number
  /** Epoch ms after which the task is no longer worth running */
  deadline: number
  timeoutMs: number
  /** Wait for a capable agent instead of failing when there is none */
  queue: boolean
  /** 'never': an executor whose crash cut a run short fails it `interrupted` instead of running it again. Absent: 'idempotent'. */
  retry?: 'never'
  executor?: string
  agent?: string
  result?: unknown
  error?: TaskError
  path?: string[]
  attempts: Attempt[]
  /** The submit's Idempotency-Key, unique among the tasks kept */
  idempotencyKey?: string
  /** Hash of the submit request the key was first used with */
  requestHash?: string
  /** Where the task may run, fixed at acceptance and honoured after a restart */
  route?: TaskRoute
}

/**
 * Where a task may run. Each field is as the dispatcher was given it:
 * `candidates` (peers, best first), `target` (one peer, optionally one
 * agent), `bids` (an auction's bids, best first: each names the agent that bid).
 */
export interface TaskRoute {
  candidates?: string[]
  target?: { peer: string; agent?: string }
  bids?: Array<{ peer: string; agent: string }>
}

export interface NewTask {
  taskId: string
  capability: string
  input: unknown
  origin: string
  /** Epoch ms; fixed here and never moved by a re-dispatch or a restart */
  deadline: number
  timeoutMs: number
  queue: boolean
  /** @default 'idempotent' */
  retry?: RetryPolicy
  /** Throws `duplicate_key` if a kept task already has it */
  idempotencyKey?: string
  requestHash?: string
  route?: TaskRoute
}

/** What an executor does with a run a crash interrupted: run it again, or fail the task `interrupted`. */
export type RetryPolicy = 'never' | 'idempotent'

export interface ListOptions {
  status?: TaskStatus | TaskStatus[]
  /** @default 100, at most 10000 */
  limit?: number
  /** Only tasks with `createdAt < before`, for paging */
  before?: number
}

/** What this node, as executor, did with a task id. */
export interface ExecutionRecord {
  taskId: string
  origin: string
  status: 'running' | 'completed' | 'failed'
  result?: unknown
  error?: TaskError
  agent?: string
  /** When the last attempt started. */
  startedAt: number
  endedAt?: number
  /**
   * How many times this node began running the task: above 1 after a crash
   * interrupted a run (status 'failed', error code 'interrupted') and the
   * task, being idempotent, ran again. Absent: 1.
   */
  attempt?: number
}

/** A result waiting to be delivered to its origin. */
export interface OutboxEntry {
  taskId: string
  origin: string
  /** The task_result message to deliver */
  message: unknown
  createdAt: number
  attempts: number
  nextAttemptAt: number
}

export interface TaskJournalInit {
  /** Clock for every timestamp the journal writes. @default Date.now */
  now?: () => number
  /**
   * Keep the executions table (what other peers' tasks left here) within
   * this many bytes, the runs that finished first deleted past it; absent,
   * it is pruned by age only.
   */
  executionsMaxBytes?: number
}

export interface TaskJournal {
  // ---- origin side: tasks this node accepted ----

  /**
   * Runs several writes in one transaction, at one commit: each in its own
   * savepoint (one that throws is undone alone; its place in the answer holds
   * the error), and the change notifications of all go out after the commit.
   */
  group(writes: Array<() => unknown>): unknown[]

  /** Records a new task as 'queued'. Throws `duplicate_task` if the id exists. */
  accept(task: NewTask): TaskRecord
  /**
   * Group commit: records these new tasks in one transaction. Each gets its
   * record, or the `duplicate_task` / `duplicate_key` error that refused it
   * (the others still go in); any other failure throws and records none.
   */
  acceptMany(tasks: NewTask[]): Array<TaskRecord | JournalError>
  /**
   * Opens a new attempt on `executor` and moves the task to 'assigned'. An
   * attempt still open is closed as 'lost' first. On a finished task nothing
   * starts: the returned attempt already has an `outcome` (its last attempt,
   * or an unsaved one numbered 0 if it never had any). `token`, the
   * attempt's token (PROTOCOL §6.9), is kept with it but never listed.
   */
  startAttempt(taskId: string, executor: string, agent?: string, token?: string): Attempt
  /** The tokens of a task's attempts, with the peer each went to: a late result verifies after a restart. */
  attemptTokens(taskId: string): Array<{ peer: string; token: string }>
  /** 'assigned' -> 'running'; a no-op from any other status. */
  markRunning(taskId: string): void
  /** Closes attempt `n` without changing the task's status; a no-op if it is already closed. */
  finishAttempt(taskId: string, n: number, outcome: AttemptOutcome, error?: TaskError): void
  /**
   * Terminal. Closes the open attempt, if any, as 'completed'. `trace` (the
   * hops' spans, any JSON up to {@link MAX_TRACE_BYTES}) is kept with the
   * result in the same transaction; a larger one is dropped.
   */
  complete(
    taskId: string,
    outcome: { result: unknown; executor: string; agent?: string; path?: string[]; trace?: unknown }
  ): TaskRecord
  /** Terminal. Closes the open attempt, if any, as 'failed'; `trace` as for {@link complete}. */
  fail(
    taskId: string,
    error: TaskError,
    details?: { executor?: string; path?: string[]; trace?: unknown }
  ): TaskRecord
  /** Terminal unless already terminal; undefined for an unknown id. */
  cancel(taskId: string): TaskRecord | undefined
  /** Closes the open attempt with `reason` and puts the task back to 'queued'. */
  requeue(taskId: string, reason: AttemptOutcome, error?: TaskError): TaskRecord
  get(taskId: string): TaskRecord | undefined
  /** Just the status of a task (no decoding), or undefined when the journal has no such task. */
  status(taskId: string): TaskStatus | undefined
  /** The kept task accepted with this Idempotency-Key, if any. */
  getByKey(idempotencyKey: string): TaskRecord | undefined
  /** The trace journaled with a finished task's outcome, pruned with the task. */
  trace(taskId: string): unknown
  /** Newest first. */
  list(options?: ListOptions): TaskRecord[]
  /** Queued, assigned and running tasks, oldest first, to resume after a restart. */
  unfinished(): TaskRecord[]
  /** Called after every committed change; returns an unsubscribe function. */
  onChange(listener: (task: TaskRecord) => void): () => void

  // ---- executor side: an origin's task id never runs twice on this node ----

  /**
   * Records executions that already finished, all in one transaction: the
   * executor's group commit. An execution already finished keeps its first outcome.
   */
  recordExecutions(
    entries: Array<{
      taskId: string
      origin: string
      outcome: { status: 'completed' | 'failed'; result?: unknown; error?: TaskError; agent?: string }
    }>
  ): void
  /**
   * Records, in one transaction, that these executions start: a new record,
   * or attempt N of one a crash interrupted. The executor's group commit of
   * one tick's starts, before their handlers run.
   */
  beginExecutions(entries: Array<{ taskId: string; origin: string; attempt: number; agent?: string }>): void
  /** Every (task id, origin) with an execution record, for building in-memory indexes at start. */
  executionKeys(): Iterable<{ taskId: string; origin: string }>
  /** Keyed by origin too: another origin's execution under the same task id is not this one. */
  getExecution(taskId: string, origin: string): ExecutionRecord | undefined
  /**
   * At startup: executions a crash left 'running' become 'failed' with code
   * `interrupted` (the answer for a task that must not run twice; an
   * idempotent one may begin again). Returns how many.
   */
  abandonRunningExecutions(): number

  // ---- executor side: results whose origin was unreachable ----

  /** Upsert by task id; the entry is due immediately. */
  outboxPut(entry: { taskId: string; origin: string; message: unknown }): void
  /** Entries with `nextAttemptAt <= now`, oldest first (default limit 100). */
  outboxDue(now?: number, limit?: number): OutboxEntry[]
  outboxForOrigin(origin: string): OutboxEntry[]
  /** Every held entry without its message (its size in bytes instead), oldest first: the outbox's books. */
  outboxIndex(): Array<{ taskId: string; origin: string; bytes: number; createdAt: number }>
  /** Counts a failed delivery and reschedules; the caller computes the backoff. */
  outboxDeferred(taskId: string, nextAttemptAt: number): void
  outboxRemove(taskId: string): void

  // ---- housekeeping ----

  /**
   * Deletes terminal tasks last updated, and finished executions ended, more
   * than `olderThanMs` ago; never unfinished tasks, outbox entries, or
   * executions whose result is still in the outbox. With `maxBytes`, then
   * deletes the oldest finished tasks (by when they finished) until the
   * tasks kept take at most that many bytes (as {@link taskBytes} counts).
   * Returns how many tasks plus executions were deleted.
   */
  prune(options: { olderThanMs: number; maxBytes?: number }): number
  /** Estimated bytes on disk of the tasks kept (their rows, index entries and an attempt each). */
  taskBytes(): number
  stats(): Record<TaskStatus, number> & { outbox: number; executions: number; executionBytes?: number }
}

/**
 * Creates the journal's tables in `db` if needed. `db` is the daemon's shared
 * handle, already opened in WAL mode by `@mesh-node/store`'s `openDatabase`.
 */
export function createTaskJournal(db: DatabaseSync, init?: TaskJournalInit): TaskJournal {
  return new SqliteTaskJournal(db, init)
}
