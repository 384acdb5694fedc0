import type { DatabaseSync } from 'node:sqlite'
import { ChangeFeed } from './change-feed.js'
import { decodeAttempt, finishedAttempt, type TaskRow, toJson, toOptionalJson } from './codec.js'
import { JournalError, written } from './errors.js'
import { type ExecutionOutcome, ExecutionTable, INTERRUPTED } from './executions.js'
import type {
  Attempt,
  AttemptOutcome,
  ExecutionRecord,
  ListOptions,
  NewTask,
  OutboxEntry,
  TaskError,
  TaskJournal,
  TaskJournalInit,
  TaskRecord,
  TaskStatus
} from './index.js'
import { OutboxTable } from './outbox.js'
import { migrate } from './schema.js'
import { SizePruner } from './size-prune.js'
import { type TaskChange, TaskTable, TERMINAL } from './tasks.js'
import { TraceTable } from './traces.js'
import { immediate } from './transaction.js'

const DEFAULT_LIMIT = 100
const MAX_LIMIT = 10_000

/**
 * Requests and results are delivered at least once, so every transition must
 * tolerate arriving twice or late: once a task is terminal, anything but
 * `get` and `cancel` leaves it untouched and hands back the stored record.
 * The first terminal outcome wins; a duplicate result is a no-op, not an error.
 */
export class SqliteTaskJournal implements TaskJournal {
  private readonly tasks: TaskTable
  private readonly executions: ExecutionTable
  private readonly outbox: OutboxTable
  private readonly traces: TraceTable
  private readonly sizes: SizePruner
  private readonly changes = new ChangeFeed()
  private readonly now: () => number

  constructor(
    private readonly db: DatabaseSync,
    init: TaskJournalInit = {}
  ) {
    this.now = init.now ?? Date.now
    migrate(db)
    this.tasks = new TaskTable(db)
    this.executions = new ExecutionTable(db, init.executionsMaxBytes)
    this.outbox = new OutboxTable(db)
    this.traces = new TraceTable(db)
    this.sizes = new SizePruner(db)
  }

  group(writes: Array<() => unknown>): unknown[] {
    if (this.changes.grouping) throw new JournalError('internal', 'journal.group does not nest')
    // Every write of the journal nests its own savepoint: one that throws is undone alone.
    return this.changes.deferWhile(() =>
      immediate(this.db, () =>
        writes.map((write) => {
          try {
            return write()
          } catch (err) {
            return err instanceof Error ? err : new Error(String(err))
          }
        })
      )
    )
  }

  // ---- origin side ----

  accept(task: NewTask): TaskRecord {
    const [outcome] = this.acceptMany([task])
    if (outcome instanceof JournalError) throw outcome
    return written(outcome, `task ${task.taskId}`)
  }

  acceptMany(tasks: NewTask[]): Array<TaskRecord | JournalError> {
    const now = this.now()
    // One transaction, one commit, for the whole group: the commit is the accept path's main cost.
    const outcomes = immediate(this.db, () => tasks.map((task) => this.insertNew(task, now)))
    for (const outcome of outcomes) if (!(outcome instanceof JournalError)) this.emit(outcome)
    return outcomes
  }

  // The UNIQUE constraints on task id and idempotency key are the duplicate checks (no SELECT
  // first); a refused INSERT rolls back only itself, not the group it is in.
  private insertNew(task: NewTask, now: number): TaskRecord | JournalError {
    try {
      this.tasks.insert(task, now)
    } catch (err) {
      const message = (err as Error).message ?? ''
      if (!message.includes('UNIQUE constraint failed')) throw err
      if (message.includes('journal_tasks.idempotency_key'))
        return new JournalError(
          'duplicate_key',
          `a task with idempotency key ${task.idempotencyKey} was already accepted`
        )
      return new JournalError('duplicate_task', `task ${task.taskId} was already accepted`)
    }
    return written(this.tasks.record(task.taskId), `task ${task.taskId}`)
  }

  startAttempt(taskId: string, executor: string, agent?: string, token?: string): Attempt {
    let changed: TaskRecord | undefined
    const attempt = immediate(this.db, () => {
      const row = this.mustRow(taskId)
      if (TERMINAL.has(row.status)) {
        return finishedAttempt(this.tasks.lastAttempt(taskId), row.status, executor, this.now())
      }
      const now = this.now()
      // Starting over without closing the previous attempt means the caller
      // gave up on it; record that rather than leave two attempts open.
      this.tasks.closeOpenAttempt(taskId, 'lost', undefined, now)
      const added = this.tasks.addAttempt(taskId, executor, agent, now, token)
      this.tasks.update(taskId, { ...row, status: 'assigned', executor, agent: agent ?? null }, now)
      changed = this.tasks.record(taskId)
      return decodeAttempt(added)
    })
    if (changed != null) this.emit(changed)
    return attempt
  }

  attemptTokens(taskId: string): Array<{ peer: string; token: string }> {
    return this.tasks.attemptTokens(taskId)
  }

  markRunning(taskId: string): void {
    // Only from 'assigned': a late "running" from an executor we already
    // requeued away from, or one after the result, must not move the task.
    this.transition(taskId, (row) => (row.status === 'assigned' ? { ...row, status: 'running' } : undefined))
  }

  finishAttempt(taskId: string, n: number, outcome: AttemptOutcome, error?: TaskError): void {
    let changed: TaskRecord | undefined
    immediate(this.db, () => {
      const row = this.mustRow(taskId)
      if (TERMINAL.has(row.status)) return
      if (this.tasks.attempt(taskId, n) == null) {
        throw new JournalError('unknown_attempt', `task ${taskId} has no attempt ${n}`)
      }
      const now = this.now()
      if (!this.tasks.closeAttempt(taskId, n, outcome, error, now)) return
      this.tasks.update(taskId, row, now)
      changed = this.tasks.record(taskId)
    })
    if (changed != null) this.emit(changed)
  }

  complete(
    taskId: string,
    outcome: { result: unknown; executor: string; agent?: string; path?: string[]; trace?: unknown }
  ): TaskRecord {
    return this.transition(taskId, (row, now) => {
      this.tasks.closeOpenAttempt(taskId, 'completed', undefined, now, outcome.agent)
      if (outcome.trace != null) this.traces.put(taskId, outcome.trace)
      // The agent hint belongs to the previous executor if the result came
      // from elsewhere (a forwarded task), so only keep it for the same peer.
      const agent = outcome.agent ?? (outcome.executor === row.executor ? row.agent : null)
      return {
        status: 'completed',
        executor: outcome.executor,
        agent,
        result: toJson(outcome.result),
        error: null,
        path: toOptionalJson(outcome.path) ?? row.path
      }
    })
  }

  fail(
    taskId: string,
    error: TaskError,
    details: { executor?: string; path?: string[]; trace?: unknown } = {}
  ): TaskRecord {
    return this.transition(taskId, (row, now) => {
      this.tasks.closeOpenAttempt(taskId, 'failed', error, now)
      if (details.trace != null) this.traces.put(taskId, details.trace)
      return {
        ...row,
        status: 'failed',
        executor: details.executor ?? row.executor,
        result: null,
        error: JSON.stringify(error),
        path: toOptionalJson(details.path) ?? row.path
      }
    })
  }

  cancel(taskId: string): TaskRecord | undefined {
    if (this.tasks.row(taskId) == null) return undefined
    return this.transition(taskId, (row, now) => {
      this.tasks.closeOpenAttempt(taskId, 'cancelled', undefined, now)
      return { ...row, status: 'cancelled' }
    })
  }

  requeue(taskId: string, reason: AttemptOutcome, error?: TaskError): TaskRecord {
    return this.transition(taskId, (row, now) => {
      const closed = this.tasks.closeOpenAttempt(taskId, reason, error, now)
      if (!closed && row.status === 'queued') return undefined
      return { ...row, status: 'queued', executor: null, agent: null }
    })
  }

  get(taskId: string): TaskRecord | undefined {
    return this.tasks.record(taskId)
  }

  /** The status alone: no decoding of input, result or attempts, for the dispatcher's checks. */
  status(taskId: string): TaskStatus | undefined {
    return this.tasks.status(taskId)
  }

  getByKey(idempotencyKey: string): TaskRecord | undefined {
    const row = this.tasks.keyRow(idempotencyKey)
    return row == null ? undefined : this.tasks.record(row.task_id)
  }

  trace(taskId: string): unknown {
    return this.traces.get(taskId)
  }

  list(options: ListOptions = {}): TaskRecord[] {
    const statuses =
      options.status == null ? undefined : Array.isArray(options.status) ? options.status : [options.status]
    const limit = Math.min(Math.max(Math.trunc(options.limit ?? DEFAULT_LIMIT), 0), MAX_LIMIT)
    return this.tasks.list(statuses, options.before ?? Number.MAX_SAFE_INTEGER, limit)
  }

  unfinished(): TaskRecord[] {
    return this.tasks.unfinished()
  }

  onChange(listener: (task: TaskRecord) => void): () => void {
    return this.changes.on(listener)
  }

  // ---- executor side ----

  recordExecutions(entries: Array<{ taskId: string; origin: string; outcome: ExecutionOutcome }>): void {
    if (entries.length === 0) return
    immediate(this.db, () => {
      const now = this.now()
      for (const e of entries) this.executions.record(e.taskId, e.origin, e.outcome, now)
    })
  }

  beginExecutions(entries: Array<{ taskId: string; origin: string; attempt: number; agent?: string }>): void {
    if (entries.length === 0) return
    immediate(this.db, () => {
      const now = this.now()
      for (const e of entries) this.executions.begin(e.taskId, e.origin, e.attempt, e.agent, now)
    })
  }

  executionKeys(): Iterable<{ taskId: string; origin: string }> {
    return this.executions.keys()
  }

  getExecution(taskId: string, origin: string): ExecutionRecord | undefined {
    return this.executions.get(taskId, origin)
  }

  abandonRunningExecutions(): number {
    const error = {
      code: INTERRUPTED,
      message: 'the executor restarted (or crashed) while the task was running; it did not finish'
    }
    return immediate(this.db, () => this.executions.abandonRunning(error, this.now()))
  }

  outboxPut(entry: { taskId: string; origin: string; message: unknown }): void {
    immediate(this.db, () => this.outbox.put(entry.taskId, entry.origin, entry.message, this.now()))
  }

  outboxDue(now = this.now(), limit = DEFAULT_LIMIT): OutboxEntry[] {
    return this.outbox.due(now, Math.min(Math.max(Math.trunc(limit), 0), MAX_LIMIT))
  }

  outboxForOrigin(origin: string): OutboxEntry[] {
    return this.outbox.forOrigin(origin)
  }

  outboxIndex(): Array<{ taskId: string; origin: string; bytes: number; createdAt: number }> {
    return this.outbox.index()
  }

  outboxDeferred(taskId: string, nextAttemptAt: number): void {
    // A missing entry was delivered meanwhile; nothing to reschedule.
    immediate(this.db, () => this.outbox.defer(taskId, nextAttemptAt))
  }

  outboxRemove(taskId: string): void {
    immediate(this.db, () => this.outbox.remove(taskId))
  }

  // ---- housekeeping ----

  prune(options: { olderThanMs: number; maxBytes?: number }): number {
    if (!(options.olderThanMs >= 0)) {
      throw new JournalError('invalid_argument', `olderThanMs must be a non-negative number`)
    }
    if (options.maxBytes !== undefined && !(options.maxBytes >= 0)) {
      throw new JournalError('invalid_argument', `maxBytes must be a non-negative number`)
    }
    const cutoff = this.now() - options.olderThanMs
    return immediate(this.db, () => {
      this.traces.prune(cutoff)
      const byAge = this.tasks.prune(cutoff) + this.executions.prune(cutoff)
      return byAge + (options.maxBytes !== undefined ? this.sizes.prune(options.maxBytes) : 0)
    })
  }

  taskBytes(): number {
    return this.sizes.total()
  }

  stats(): Record<TaskStatus, number> & { outbox: number; executions: number; executionBytes?: number } {
    const executionBytes = this.executions.bytes()
    return {
      ...this.tasks.counts(),
      outbox: this.outbox.count(),
      executions: this.executions.count(),
      ...(executionBytes != null ? { executionBytes } : {})
    }
  }

  /**
   * Applies `change` to a live task in one transaction. `change` returns
   * undefined for "nothing to do"; terminal tasks never reach it.
   */
  private transition(
    taskId: string,
    change: (row: TaskChange, now: number) => TaskChange | undefined
  ): TaskRecord {
    let changed = false
    const record = immediate(this.db, () => {
      const row = this.mustRow(taskId)
      if (!TERMINAL.has(row.status)) {
        const now = this.now()
        const next = change(row, now)
        if (next != null) {
          this.tasks.update(taskId, next, now)
          changed = true
        }
      }
      return written(this.tasks.record(taskId), `task ${taskId}`)
    })
    if (changed) this.emit(record)
    return record
  }

  private mustRow(taskId: string): TaskRow {
    const row = this.tasks.row(taskId)
    if (row == null) throw new JournalError('unknown_task', `no task ${taskId} in the journal`)
    return row
  }

  private emit(task: TaskRecord): void {
    this.changes.emit(task)
  }
}
