import { DatabaseSync } from 'node:sqlite'

export type MeshDatabase = DatabaseSync

export interface OpenDatabaseOptions {
  /**
   * SQLite `synchronous` level. `normal` with WAL survives a process crash
   * (kill -9) without losing committed writes; `full` also survives power loss
   * at the cost of an fsync per commit.
   *
   * @default 'normal'
   */
  synchronous?: 'normal' | 'full'
}

/**
 * Opens (creating if needed) the node's SQLite database in WAL mode.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): MeshDatabase {
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec(`PRAGMA synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
  // Another process holding a write lock is a bug (the data-dir lock prevents
  // it), but a short wait beats a spurious SQLITE_BUSY.
  db.exec('PRAGMA busy_timeout = 2000')
  return db
}
