import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { rowBytesSql } from './size-prune.js'

/** Bytes one execution row takes beyond its text: row header, primary-key and status index entries, page slack. */
export const EXECUTION_OVERHEAD_BYTES = 200

/** Cut to this share of the bound, so a table at its bound is not cut on every write. */
const CUT_TO = 0.9

/** An execution row's estimated size on disk, in SQL. */
const EXECUTION_BYTES_SQL = rowBytesSql(
  ['task_id', 'origin', 'result', 'error', 'agent'],
  EXECUTION_OVERHEAD_BYTES
)

/** Executions that may go: finished, and not waiting in the outbox (a repeat asks for those). */
const FORGETTABLE = `status != 'running' AND task_id NOT IN (SELECT task_id FROM journal_outbox)`

/**
 * The executions table within a size. It holds what other peers' tasks
 * left on this node, so without a bound a peer could fill the disk with
 * large results (1 MiB each, at the agents' pace). The total is kept in
 * memory, each write adding its size, so the bound holds at every write,
 * not only when the daemon prunes by age. Past it, the executions that
 * finished first are deleted until 90 % of the bound is left; running ones
 * and those still in the outbox never are. A repeat of a deleted execution
 * runs again (docs/ARCHITECTURE.md, double-run cases). Callers hold the
 * transaction.
 */
export class ExecutionBudget {
  private total: number
  private readonly totalStmt: StatementSync
  private readonly cutStmt: StatementSync
  private readonly deleteStmt: StatementSync
  private readonly deleteAllStmt: StatementSync

  constructor(
    db: DatabaseSync,
    private readonly maxBytes: number
  ) {
    this.totalStmt = db.prepare(
      `SELECT COALESCE(SUM(${EXECUTION_BYTES_SQL}), 0) AS total FROM journal_executions`
    )
    // The last execution (in the order they finished) that must go for `excess` bytes to be freed.
    this.cutStmt = db.prepare(`
      SELECT ended, rowid FROM (
        SELECT COALESCE(ended_at, started_at) AS ended, rowid,
          SUM(${EXECUTION_BYTES_SQL}) OVER (ORDER BY COALESCE(ended_at, started_at), rowid) AS freed
        FROM journal_executions WHERE ${FORGETTABLE}
      ) WHERE freed >= $excess ORDER BY ended, rowid LIMIT 1`)
    this.deleteStmt = db.prepare(`
      DELETE FROM journal_executions WHERE ${FORGETTABLE}
        AND (COALESCE(ended_at, started_at) < $ended OR (COALESCE(ended_at, started_at) = $ended AND rowid <= $rowid))`)
    this.deleteAllStmt = db.prepare(`DELETE FROM journal_executions WHERE ${FORGETTABLE}`)
    this.total = this.recount()
  }

  /** The estimated bytes of every execution kept. */
  bytes(): number {
    return this.total
  }

  /** Counts a written outcome of `text` characters (keys, result, error); cuts the table if it is past its bound. */
  wrote(text: number): number {
    this.total += text + EXECUTION_OVERHEAD_BYTES
    return this.total > this.maxBytes ? this.cut() : 0
  }

  /** Deleted rows change the total: the pruner by age says so. */
  recounted(): void {
    this.total = this.recount()
  }

  private cut(): number {
    this.total = this.recount()
    const excess = this.total - Math.floor(this.maxBytes * CUT_TO)
    if (excess <= 0) return 0
    const last = this.cutStmt.get({ excess }) as { ended: number; rowid: number } | undefined
    const { changes } = last == null ? this.deleteAllStmt.run() : this.deleteStmt.run(last)
    this.total = this.recount()
    return Number(changes)
  }

  private recount(): number {
    return (this.totalStmt.get() as { total: number }).total
  }
}
