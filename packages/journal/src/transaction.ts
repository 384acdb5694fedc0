import type { DatabaseSync } from 'node:sqlite'

/**
 * Runs `fn` as one write transaction. IMMEDIATE takes the write lock up
 * front, so a read-then-write inside `fn` cannot be invalidated by another
 * connection between the read and the write.
 *
 * The database handle is shared with the rest of the daemon; if a caller
 * already holds a transaction on it we nest with a savepoint, so our work
 * commits or rolls back together with theirs instead of failing on BEGIN.
 */
export function immediate<T>(db: DatabaseSync, fn: () => T): T {
  if (db.isTransaction) {
    db.exec('SAVEPOINT mesh_journal')
    try {
      const value = fn()
      db.exec('RELEASE mesh_journal')
      return value
    } catch (err) {
      db.exec('ROLLBACK TO mesh_journal')
      db.exec('RELEASE mesh_journal')
      throw err
    }
  }
  db.exec('BEGIN IMMEDIATE')
  try {
    const value = fn()
    db.exec('COMMIT')
    return value
  } catch (err) {
    // SQLite may already have rolled back on its own (e.g. SQLITE_FULL).
    if (db.isTransaction) db.exec('ROLLBACK')
    throw err
  }
}
