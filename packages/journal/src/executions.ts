import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { decodeExecution, type ExecutionRow, toOptionalJson } from './codec.js'
import { ExecutionBudget } from './execution-budget.js'
import type { ExecutionRecord, TaskError } from './index.js'

export interface ExecutionOutcome {
  status: 'completed' | 'failed'
  result?: unknown
  error?: TaskError
  agent?: string
}

/** An outcome's result and error as the table stores them. */
const outcomeText = (outcome: ExecutionOutcome) => ({
  status: outcome.status,
  result: toOptionalJson(outcome.result),
  error: toOptionalJson(outcome.error)
})

/** The error code of an execution a crash cut short (marked at the next start). */
export const INTERRUPTED = 'interrupted'

/**
 * SQL for the executor side's idempotency records: one row per (task id, origin) this
 * node ever started running. Callers hold the transaction.
 */
export class ExecutionTable {
  private readonly getStmt: StatementSync
  private readonly abandonStmt: StatementSync
  private readonly pruneStmt: StatementSync
  private readonly countStmt: StatementSync
  private readonly recordStmt: StatementSync
  private readonly idsStmt: StatementSync
  private readonly beginStmt: StatementSync

  private readonly budget?: ExecutionBudget

  /** With `maxBytes`, the table is kept within that many bytes ({@link ExecutionBudget}). */
  constructor(db: DatabaseSync, maxBytes?: number) {
    this.getStmt = db.prepare('SELECT * FROM journal_executions WHERE task_id = ? AND origin = ?')
    this.abandonStmt = db.prepare(`
      UPDATE journal_executions SET status = 'failed', error = $error, ended_at = $now
      WHERE status = 'running'`)
    // A result still waiting in the outbox can be asked for again by a
    // re-sent request, so its execution must stay to answer without re-running.
    this.pruneStmt = db.prepare(`
      DELETE FROM journal_executions
      WHERE status != 'running' AND COALESCE(ended_at, started_at) < ?
        AND task_id NOT IN (SELECT task_id FROM journal_outbox)`)
    // A (re)start: a new row, or the next attempt of one a crash interrupted
    // (abandoned at start as failed 'interrupted'). A finished run stays as it is.
    this.beginStmt = db.prepare(`
      INSERT INTO journal_executions (task_id, origin, status, agent, started_at, attempt)
      VALUES ($taskId, $origin, 'running', $agent, $now, $attempt)
      ON CONFLICT (task_id, origin) DO UPDATE
        SET status = 'running', attempt = excluded.attempt, started_at = excluded.started_at,
            error = NULL, result = NULL, ended_at = NULL
        WHERE status = 'failed' AND json_extract(error, '$.code') = '${INTERRUPTED}'`)
    this.countStmt = db.prepare('SELECT COUNT(*) AS count FROM journal_executions')
    this.idsStmt = db.prepare('SELECT task_id, origin FROM journal_executions')
    // A finished execution in one statement; an earlier outcome is kept.
    this.recordStmt = db.prepare(`
      INSERT INTO journal_executions (task_id, origin, status, result, error, agent, started_at, ended_at)
      VALUES ($taskId, $origin, $status, $result, $error, $agent, $now, $now)
      ON CONFLICT (task_id, origin) DO UPDATE
        SET status = excluded.status, result = excluded.result, error = excluded.error,
            agent = COALESCE(excluded.agent, agent), ended_at = excluded.ended_at
        WHERE status = 'running'`)
    if (maxBytes != null) this.budget = new ExecutionBudget(db, maxBytes)
  }

  get(taskId: string, origin: string): ExecutionRecord | undefined {
    const row = this.getStmt.get(taskId, origin) as ExecutionRow | undefined
    return row == null ? undefined : decodeExecution(row)
  }

  /** Records that attempt `attempt` of the task starts now. */
  begin(taskId: string, origin: string, attempt: number, agent: string | undefined, now: number): void {
    this.beginStmt.run({ taskId, origin, attempt, agent: agent ?? null, now })
  }

  record(taskId: string, origin: string, outcome: ExecutionOutcome, now: number): void {
    const text = outcomeText(outcome)
    const { changes } = this.recordStmt.run({ taskId, origin, ...text, agent: outcome.agent ?? null, now })
    if (Number(changes) > 0) this.wrote(taskId, origin, text)
  }

  /** The estimated bytes of the table (counted only with a bound). */
  bytes(): number | undefined {
    return this.budget?.bytes()
  }

  private wrote(taskId: string, origin: string, text: { result: string | null; error: string | null }): void {
    this.budget?.wrote(taskId.length + origin.length + (text.result?.length ?? 0) + (text.error?.length ?? 0))
  }

  abandonRunning(error: TaskError, now: number): number {
    return Number(this.abandonStmt.run({ error: JSON.stringify(error), now }).changes)
  }

  prune(cutoff: number): number {
    const deleted = Number(this.pruneStmt.run(cutoff).changes)
    if (deleted > 0) this.budget?.recounted()
    return deleted
  }

  *keys(): Generator<{ taskId: string; origin: string }> {
    for (const row of this.idsStmt.iterate() as Iterable<{ task_id: string; origin: string }>)
      yield { taskId: row.task_id, origin: row.origin }
  }

  count(): number {
    return (this.countStmt.get() as { count: number }).count
  }
}
