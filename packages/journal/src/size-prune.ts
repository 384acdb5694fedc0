import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { TERMINAL_SQL } from './tasks.js'

/**
 * Bytes one task takes on disk beyond its text columns: the row header, its
 * index entries (task id, status, created_at, idempotency key), one attempt
 * row and page slack. Measured with bench/tools/journal-growth.mjs, so that
 * the estimate below tracks mesh.db's real growth.
 */
export const TASK_OVERHEAD_BYTES = 380

/**
 * A row's estimated size on disk, in SQL: the UTF-8 bytes of `columns` plus
 * `overhead`. `octet_length` reads the size from the record header; a
 * `length(CAST(… AS BLOB))` loads every value, overflow pages and all (a
 * table of 900 MB of results: 0.3 ms against 160 ms).
 */
export function rowBytesSql(columns: string[], overhead: number): string {
  return `(${columns.map((c) => `COALESCE(octet_length(${c}), 0)`).join(' + ')} + ${overhead})`
}

/** A task row's estimated size on disk, in SQL. */
export const TASK_BYTES_SQL = rowBytesSql(
  [
    'task_id',
    'capability',
    'input',
    'origin',
    'result',
    'error',
    'path',
    'route',
    'idempotency_key',
    'request_hash',
    'executor',
    'agent'
  ],
  TASK_OVERHEAD_BYTES
)

/**
 * Retention by size: when the tasks this node accepted take more than
 * `maxBytes`, the oldest finished ones (by when they finished) are deleted,
 * with their attempts and traces, until the rest fit. Unfinished tasks count
 * but are never deleted. Callers hold the transaction.
 */
export class SizePruner {
  private readonly totalStmt: StatementSync
  private readonly cutStmt: StatementSync
  private readonly deleteAttemptsStmt: StatementSync
  private readonly deleteTracesStmt: StatementSync
  private readonly deleteTasksStmt: StatementSync

  constructor(db: DatabaseSync) {
    this.totalStmt = db.prepare(`SELECT COALESCE(SUM(${TASK_BYTES_SQL}), 0) AS total FROM journal_tasks`)
    // The newest finished task that must go for the excess to be freed.
    this.cutStmt = db.prepare(`
      SELECT updated_at, seq FROM (
        SELECT updated_at, seq, SUM(${TASK_BYTES_SQL}) OVER (ORDER BY updated_at, seq) AS freed
        FROM journal_tasks WHERE status IN ${TERMINAL_SQL}
      ) WHERE freed >= $excess ORDER BY updated_at, seq LIMIT 1`)
    const doomed = `SELECT task_id FROM journal_tasks WHERE status IN ${TERMINAL_SQL}
      AND (updated_at < $updatedAt OR (updated_at = $updatedAt AND seq <= $seq))`
    this.deleteAttemptsStmt = db.prepare(`DELETE FROM journal_attempts WHERE task_id IN (${doomed})`)
    this.deleteTracesStmt = db.prepare(`DELETE FROM journal_traces WHERE task_id IN (${doomed})`)
    this.deleteTasksStmt = db.prepare(`DELETE FROM journal_tasks WHERE task_id IN (${doomed})`)
  }

  /** The estimated bytes of every task kept. */
  total(): number {
    return Number((this.totalStmt.get() as { total: number | bigint }).total)
  }

  /** Deletes the oldest finished tasks until the rest fit in `maxBytes`; returns how many went. */
  prune(maxBytes: number): number {
    const excess = this.total() - maxBytes
    if (excess <= 0) return 0
    const cut = this.cutStmt.get({ excess }) as { updated_at: number; seq: number } | undefined
    // With too little finished work to free the whole excess, all of it goes.
    const bound =
      cut == null
        ? { updatedAt: Number.MAX_SAFE_INTEGER, seq: Number.MAX_SAFE_INTEGER }
        : { updatedAt: cut.updated_at, seq: cut.seq }
    this.deleteAttemptsStmt.run(bound)
    this.deleteTracesStmt.run(bound)
    return Number(this.deleteTasksStmt.run(bound).changes)
  }
}
