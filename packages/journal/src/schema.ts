import type { DatabaseSync } from 'node:sqlite'
import { JournalError } from './errors.js'
import { TRACES_DDL } from './traces.js'
import { immediate } from './transaction.js'

/** Bump when the tables change, and teach `migrate` to upgrade from the old version. */
export const SCHEMA_VERSION = 1

// Tables are prefixed because the database file is shared with the libp2p
// datastore and whatever else the daemon keeps.
const DDL = `
CREATE TABLE IF NOT EXISTS journal_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS journal_tasks (
  seq INTEGER PRIMARY KEY,
  task_id TEXT NOT NULL UNIQUE,
  capability TEXT NOT NULL,
  input TEXT NOT NULL,
  origin TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'assigned', 'running', 'completed', 'failed', 'cancelled')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deadline INTEGER NOT NULL,
  timeout_ms INTEGER NOT NULL,
  queue INTEGER NOT NULL,
  executor TEXT,
  agent TEXT,
  result TEXT,
  error TEXT,
  path TEXT
);
CREATE INDEX IF NOT EXISTS journal_tasks_status ON journal_tasks (status, created_at);
CREATE INDEX IF NOT EXISTS journal_tasks_created ON journal_tasks (created_at);

CREATE TABLE IF NOT EXISTS journal_attempts (
  task_id TEXT NOT NULL,
  n INTEGER NOT NULL,
  executor TEXT NOT NULL,
  agent TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  outcome TEXT,
  error TEXT,
  PRIMARY KEY (task_id, n)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS journal_executions (
  task_id TEXT PRIMARY KEY,
  origin TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
  result TEXT,
  error TEXT,
  agent TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER
);
CREATE INDEX IF NOT EXISTS journal_executions_status ON journal_executions (status);

CREATE TABLE IF NOT EXISTS journal_outbox (
  task_id TEXT PRIMARY KEY,
  origin TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_outbox_due ON journal_outbox (next_attempt_at);
CREATE INDEX IF NOT EXISTS journal_outbox_origin ON journal_outbox (origin);
`

/**
 * Creates the journal tables if needed and records the schema version, in one
 * transaction so a crash during first start leaves either nothing or all of it.
 */
export function migrate(db: DatabaseSync): void {
  immediate(db, () => {
    db.exec(DDL)
    db.exec(TRACES_DDL)
    const row = db.prepare(`SELECT value FROM journal_meta WHERE key = 'schema_version'`).get() as
      | { value: string }
      | undefined
    if (row == null) {
      db.prepare(`INSERT INTO journal_meta (key, value) VALUES ('schema_version', ?)`).run(
        String(SCHEMA_VERSION)
      )
    } else {
      const version = Number(row.value)
      // An older binary must not scribble over tables a newer one laid out.
      if (!Number.isInteger(version) || version > SCHEMA_VERSION) {
        throw new JournalError(
          'unsupported_schema',
          `task journal schema version ${row.value} is newer than this build supports (${SCHEMA_VERSION})`
        )
      }
    }
    addColumns(db)
  })
}

/**
 * Columns added after version 1, each with a default, so rows written before
 * read the same: added where missing, which also leaves the schema version to
 * the changes that reshape tables.
 */
const ADDED_COLUMNS: Array<[table: string, column: string, ddl: string]> = [
  // How many times this node began running the task (>1 after an interrupted run).
  ['journal_executions', 'attempt', 'INTEGER NOT NULL DEFAULT 1'],
  // The task's retry policy: "never" or "idempotent".
  ['journal_tasks', 'retry', "TEXT NOT NULL DEFAULT 'idempotent'"]
]

function addColumns(db: DatabaseSync): void {
  for (const [table, column, ddl] of ADDED_COLUMNS) {
    const columns = db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>
    if (!columns.some((c) => c.name === column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${ddl}`)
  }
}
