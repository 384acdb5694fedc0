import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { TERMINAL_SQL } from './tasks.js'

/**
 * The hops' account of a finished task (`task ID --trace`), kept beside the
 * task so it survives a restart of the origin. Its own table, created with
 * IF NOT EXISTS on every open: adding it changes no existing table, so an
 * older build opening the file just ignores it and the schema version stays.
 */
export const TRACES_DDL = `
CREATE TABLE IF NOT EXISTS journal_traces (
  task_id TEXT PRIMARY KEY,
  trace TEXT NOT NULL
) WITHOUT ROWID;
`

/**
 * A trace is at most MAX_TRACE_SPANS small spans (about 1 KiB); anything
 * larger than this is not one, so it is not stored rather than bloating the file.
 */
export const MAX_TRACE_BYTES = 8 * 1024

/** SQL for the traces table. Callers hold the transaction. */
export class TraceTable {
  private readonly putStmt: StatementSync
  private readonly getStmt: StatementSync
  private readonly pruneStmt: StatementSync

  constructor(db: DatabaseSync) {
    this.putStmt = db.prepare(`
      INSERT INTO journal_traces (task_id, trace) VALUES (?, ?)
      ON CONFLICT (task_id) DO UPDATE SET trace = excluded.trace`)
    this.getStmt = db.prepare('SELECT trace FROM journal_traces WHERE task_id = ?')
    this.pruneStmt = db.prepare(`
      DELETE FROM journal_traces WHERE task_id IN (
        SELECT task_id FROM journal_tasks WHERE status IN ${TERMINAL_SQL} AND updated_at < ?
      )`)
  }

  /** Returns false, storing nothing, when the trace is over MAX_TRACE_BYTES. */
  put(taskId: string, trace: unknown): boolean {
    const text = JSON.stringify(trace)
    if (text == null || Buffer.byteLength(text) > MAX_TRACE_BYTES) return false
    this.putStmt.run(taskId, text)
    return true
  }

  get(taskId: string): unknown {
    const row = this.getStmt.get(taskId) as { trace: string } | undefined
    return row == null ? undefined : JSON.parse(row.trace)
  }

  /** Before the tasks they belong to are pruned, with the same cutoff. */
  prune(cutoff: number): void {
    this.pruneStmt.run(cutoff)
  }
}
