import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { decodeOutbox, type OutboxRow, toJson } from './codec.js'
import type { OutboxEntry } from './index.js'

/**
 * SQL for results the executor could not hand back to their origin yet.
 * Keyed by task id: one task has one result to deliver.
 */
export class OutboxTable {
  private readonly putStmt: StatementSync
  private readonly dueStmt: StatementSync
  private readonly forOriginStmt: StatementSync
  private readonly deferStmt: StatementSync
  private readonly removeStmt: StatementSync
  private readonly countStmt: StatementSync
  private readonly indexStmt: StatementSync

  constructor(db: DatabaseSync) {
    // A re-put replaces the message and makes it due now, but keeps its age
    // and attempt count so ordering and backoff stay honest. Upsert keeps the
    // rowid, which breaks createdAt ties in insertion order.
    this.putStmt = db.prepare(`
      INSERT INTO journal_outbox (task_id, origin, message, created_at, attempts, next_attempt_at)
      VALUES ($taskId, $origin, $message, $now, 0, $now)
      ON CONFLICT (task_id) DO UPDATE SET
        origin = excluded.origin, message = excluded.message, next_attempt_at = excluded.next_attempt_at`)
    this.dueStmt = db.prepare(`
      SELECT * FROM journal_outbox WHERE next_attempt_at <= ?
      ORDER BY created_at, rowid LIMIT ?`)
    this.forOriginStmt = db.prepare(
      'SELECT * FROM journal_outbox WHERE origin = ? ORDER BY created_at, rowid'
    )
    this.deferStmt = db.prepare(
      'UPDATE journal_outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE task_id = ?'
    )
    this.removeStmt = db.prepare('DELETE FROM journal_outbox WHERE task_id = ?')
    this.countStmt = db.prepare('SELECT COUNT(*) AS count FROM journal_outbox')
    this.indexStmt = db.prepare(
      'SELECT task_id, origin, LENGTH(message) AS bytes, created_at FROM journal_outbox ORDER BY created_at, rowid'
    )
  }

  put(taskId: string, origin: string, message: unknown, now: number): void {
    this.putStmt.run({ taskId, origin, message: toJson(message), now })
  }

  due(now: number, limit: number): OutboxEntry[] {
    return (this.dueStmt.all(now, limit) as unknown as OutboxRow[]).map(decodeOutbox)
  }

  forOrigin(origin: string): OutboxEntry[] {
    return (this.forOriginStmt.all(origin) as unknown as OutboxRow[]).map(decodeOutbox)
  }

  defer(taskId: string, nextAttemptAt: number): void {
    this.deferStmt.run(nextAttemptAt, taskId)
  }

  remove(taskId: string): void {
    this.removeStmt.run(taskId)
  }

  index(): Array<{ taskId: string; origin: string; bytes: number; createdAt: number }> {
    return (
      this.indexStmt.all() as Array<{ task_id: string; origin: string; bytes: number; created_at: number }>
    ).map((r) => ({
      taskId: r.task_id,
      origin: r.origin,
      bytes: Number(r.bytes),
      createdAt: Number(r.created_at)
    }))
  }

  count(): number {
    return (this.countStmt.get() as { count: number }).count
  }
}
