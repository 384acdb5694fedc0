import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { type AttemptRow, decodeTask, type TaskRow, toJson, toOptionalJson } from './codec.js'
import type { AttemptOutcome, NewTask, TaskError, TaskRecord, TaskStatus } from './index.js'

export const TERMINAL: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled'])
export const TERMINAL_SQL = `('completed', 'failed', 'cancelled')`
const UNFINISHED_SQL = `('queued', 'assigned', 'running')`

/** The columns a transition may change; the rest are fixed at `accept`. */
export type TaskChange = Pick<TaskRow, 'status' | 'executor' | 'agent' | 'result' | 'error' | 'path'>

/**
 * SQL for the origin side: tasks and their attempts. Callers hold the
 * transaction; nothing here commits on its own.
 */
export class TaskTable {
  private readonly insertStmt: StatementSync
  private readonly rowStmt: StatementSync
  private readonly statusStmt: StatementSync
  private readonly byKeyStmt: StatementSync
  private readonly updateStmt: StatementSync
  private readonly attemptsStmt: StatementSync
  private readonly openAttemptStmt: StatementSync
  private readonly attemptStmt: StatementSync
  private readonly insertAttemptStmt: StatementSync
  private readonly tokensStmt: StatementSync
  private readonly closeAttemptStmt: StatementSync
  private readonly listStmt: StatementSync
  private readonly listByStatusStmt: StatementSync
  private readonly unfinishedStmt: StatementSync
  private readonly pruneAttemptsStmt: StatementSync
  private readonly pruneStmt: StatementSync
  private readonly countsStmt: StatementSync

  constructor(db: DatabaseSync) {
    this.insertStmt = db.prepare(`
      INSERT INTO journal_tasks
        (task_id, capability, input, origin, status, created_at, updated_at, deadline, timeout_ms, queue,
         idempotency_key, request_hash, route, retry)
      VALUES
        ($taskId, $capability, $input, $origin, 'queued', $now, $now, $deadline, $timeoutMs, $queue,
         $idempotencyKey, $requestHash, $route, $retry)`)
    this.byKeyStmt = db.prepare('SELECT * FROM journal_tasks WHERE idempotency_key = ?')
    this.rowStmt = db.prepare('SELECT * FROM journal_tasks WHERE task_id = ?')
    this.statusStmt = db.prepare('SELECT status FROM journal_tasks WHERE task_id = ?')
    this.updateStmt = db.prepare(`
      UPDATE journal_tasks
      SET status = $status, updated_at = $now, executor = $executor, agent = $agent,
          result = $result, error = $error, path = $path
      WHERE task_id = $taskId`)
    this.attemptsStmt = db.prepare('SELECT * FROM journal_attempts WHERE task_id = ? ORDER BY n')
    this.openAttemptStmt = db.prepare(
      'SELECT * FROM journal_attempts WHERE task_id = ? AND outcome IS NULL ORDER BY n DESC LIMIT 1'
    )
    this.attemptStmt = db.prepare('SELECT * FROM journal_attempts WHERE task_id = ? AND n = ?')
    this.tokensStmt = db.prepare(
      'SELECT executor AS peer, token FROM journal_attempts WHERE task_id = ? AND token IS NOT NULL ORDER BY n'
    )
    this.insertAttemptStmt = db.prepare(`
      INSERT INTO journal_attempts (task_id, n, executor, agent, started_at, token)
      VALUES (
        $taskId,
        (SELECT COALESCE(MAX(n), 0) + 1 FROM journal_attempts WHERE task_id = $taskId),
        $executor, $agent, $now, $token
      )
      RETURNING *`)
    // An agent learned only from the result fills in what the attempt lacked.
    this.closeAttemptStmt = db.prepare(`
      UPDATE journal_attempts
      SET ended_at = $now, outcome = $outcome, error = $error, agent = COALESCE(agent, $agent)
      WHERE task_id = $taskId AND n = $n AND outcome IS NULL`)
    // `seq` breaks ties between tasks accepted in the same millisecond.
    this.listStmt = db.prepare(`
      SELECT * FROM journal_tasks WHERE created_at < $before
      ORDER BY created_at DESC, seq DESC LIMIT $limit`)
    this.listByStatusStmt = db.prepare(`
      SELECT * FROM journal_tasks
      WHERE status IN (SELECT value FROM json_each($statuses)) AND created_at < $before
      ORDER BY created_at DESC, seq DESC LIMIT $limit`)
    this.unfinishedStmt = db.prepare(
      `SELECT * FROM journal_tasks WHERE status IN ${UNFINISHED_SQL} ORDER BY created_at, seq`
    )
    this.pruneAttemptsStmt = db.prepare(`
      DELETE FROM journal_attempts WHERE task_id IN (
        SELECT task_id FROM journal_tasks WHERE status IN ${TERMINAL_SQL} AND updated_at < ?
      )`)
    this.pruneStmt = db.prepare(
      `DELETE FROM journal_tasks WHERE status IN ${TERMINAL_SQL} AND updated_at < ?`
    )
    this.countsStmt = db.prepare('SELECT status, COUNT(*) AS count FROM journal_tasks GROUP BY status')
  }

  insert(task: NewTask, now: number): void {
    this.insertStmt.run({
      taskId: task.taskId,
      capability: task.capability,
      input: toJson(task.input),
      origin: task.origin,
      now,
      deadline: task.deadline,
      timeoutMs: task.timeoutMs,
      queue: task.queue ? 1 : 0,
      idempotencyKey: task.idempotencyKey ?? null,
      requestHash: task.requestHash ?? null,
      route: toOptionalJson(task.route),
      retry: task.retry === 'never' ? 'never' : 'idempotent'
    })
  }

  keyRow(key: string): TaskRow | undefined {
    return this.byKeyStmt.get(key) as TaskRow | undefined
  }

  row(taskId: string): TaskRow | undefined {
    return this.rowStmt.get(taskId) as TaskRow | undefined
  }

  status(taskId: string): TaskStatus | undefined {
    return (this.statusStmt.get(taskId) as { status: TaskStatus } | undefined)?.status
  }

  record(taskId: string): TaskRecord | undefined {
    const row = this.row(taskId)
    return row == null ? undefined : this.decode(row)
  }

  update(taskId: string, change: TaskChange, now: number): void {
    // Picked field by field: callers pass whole rows, and node:sqlite rejects unknown named parameters.
    const { status, executor, agent, result, error, path } = change
    this.updateStmt.run({ taskId, now, status, executor, agent, result, error, path })
  }

  attempt(taskId: string, n: number): AttemptRow | undefined {
    return this.attemptStmt.get(taskId, n) as AttemptRow | undefined
  }

  openAttempt(taskId: string): AttemptRow | undefined {
    return this.openAttemptStmt.get(taskId) as AttemptRow | undefined
  }

  lastAttempt(taskId: string): AttemptRow | undefined {
    return this.attempts(taskId).at(-1)
  }

  addAttempt(
    taskId: string,
    executor: string,
    agent: string | undefined,
    now: number,
    token?: string
  ): AttemptRow {
    return this.insertAttemptStmt.get({
      taskId,
      executor,
      agent: agent ?? null,
      now,
      token: token ?? null
    }) as unknown as AttemptRow
  }

  /** The tokens of the task's attempts, with the peer each was sent to. */
  attemptTokens(taskId: string): Array<{ peer: string; token: string }> {
    const rows = this.tokensStmt.all(taskId) as Array<{ peer: string; token: string }>
    return rows.map(({ peer, token }) => ({ peer, token }))
  }

  closeAttempt(
    taskId: string,
    n: number,
    outcome: AttemptOutcome,
    error: TaskError | undefined,
    now: number,
    agent?: string
  ): boolean {
    const { changes } = this.closeAttemptStmt.run({
      taskId,
      n,
      outcome,
      error: error == null ? null : toJson(error),
      agent: agent ?? null,
      now
    })
    return Number(changes) > 0
  }

  /** Closes whichever attempt is open, if any; at most one ever is. */
  closeOpenAttempt(
    taskId: string,
    outcome: AttemptOutcome,
    error: TaskError | undefined,
    now: number,
    agent?: string
  ): boolean {
    const open = this.openAttempt(taskId)
    return open != null && this.closeAttempt(taskId, open.n, outcome, error, now, agent)
  }

  list(statuses: TaskStatus[] | undefined, before: number, limit: number): TaskRecord[] {
    const rows =
      statuses == null
        ? this.listStmt.all({ before, limit })
        : this.listByStatusStmt.all({ statuses: JSON.stringify(statuses), before, limit })
    return (rows as unknown as TaskRow[]).map((row) => this.decode(row))
  }

  unfinished(): TaskRecord[] {
    return (this.unfinishedStmt.all() as unknown as TaskRow[]).map((row) => this.decode(row))
  }

  prune(cutoff: number): number {
    this.pruneAttemptsStmt.run(cutoff)
    return Number(this.pruneStmt.run(cutoff).changes)
  }

  counts(): Record<TaskStatus, number> {
    const counts: Record<TaskStatus, number> = {
      queued: 0,
      assigned: 0,
      running: 0,
      completed: 0,
      failed: 0,
      cancelled: 0
    }
    for (const row of this.countsStmt.all() as unknown as Array<{ status: TaskStatus; count: number }>) {
      counts[row.status] = row.count
    }
    return counts
  }

  private attempts(taskId: string): AttemptRow[] {
    return this.attemptsStmt.all(taskId) as unknown as AttemptRow[]
  }

  private decode(row: TaskRow): TaskRecord {
    return decodeTask(row, this.attempts(row.task_id))
  }
}
