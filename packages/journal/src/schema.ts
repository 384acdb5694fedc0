import type { DatabaseSync } from 'node:sqlite'
import { JournalError } from './errors.js'
import { TRACES_DDL } from './traces.js'
import { immediate } from './transaction.js'

/** Bump when the tables change, and teach `migrate` to upgrade from the old version. */
export const SCHEMA_VERSION = 1

/**
 * The executor's record of each task it began, keyed by the task's origin and
 * id together: task ids are chosen by origins, so a peer must never be able
 * to claim (or be answered with) another origin's execution by reusing its id.
 */
const EXECUTIONS_DDL = `
CREATE TABLE IF NOT EXISTS journal_executions (
  task_id TEXT NOT NULL,
  origin TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
  result TEXT,
  error TEXT,
  agent TEXT,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  attempt INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (task_id, origin)
);
CREATE INDEX IF NOT EXISTS journal_executions_status ON journal_executions (status);
`

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

${EXECUTIONS_DDL}
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
 * Columns added to journal_tasks after schema version 1 shipped. They are
 * nullable, so a version-1 table gains them with ALTER TABLE and an older
 * binary reading the file simply ignores them.
 *  - idempotency_key / request_hash: a submit's Idempotency-Key and a hash of
 *    its request, so a retried submit finds its task (unique while the task is kept);
 *  - route: JSON {candidates?, target?, bids?}, an auction's bidders and
 *    winning bid or a named target, honoured after a restart;
 *  - retry: the task's retry policy, 'never' or 'idempotent' (default).
 */
const ADDED_TASK_COLUMNS: Array<[string, string]> = [
  ['idempotency_key', 'TEXT'],
  ['request_hash', 'TEXT'],
  ['route', 'TEXT'],
  ['retry', "TEXT NOT NULL DEFAULT 'idempotent'"]
]

/** journal_executions.attempt: how many times this node began the task (above 1 after an interrupted run). */
const ADDED_EXECUTION_COLUMNS: Array<[string, string]> = [['attempt', 'INTEGER NOT NULL DEFAULT 1']]

/**
 * journal_attempts.token: the attempt's token (PROTOCOL §6.9), so that a
 * result the executor pushes after this origin restarted still verifies.
 */
const ADDED_ATTEMPT_COLUMNS: Array<[string, string]> = [['token', 'TEXT']]

/**
 * Journals written before executions were keyed by (task id, origin) have
 * task_id alone as the key: rebuild that table with the new key, rows kept.
 */
function rekeyExecutions(db: DatabaseSync): void {
  const columns = db.prepare('PRAGMA table_info(journal_executions)').all() as Array<{
    name: string
    pk: number
  }>
  if (columns.find((c) => c.name === 'origin')?.pk !== 0) return
  const names = 'task_id, origin, status, result, error, agent, started_at, ended_at, attempt'
  db.exec('DROP INDEX IF EXISTS journal_executions_status')
  db.exec('ALTER TABLE journal_executions RENAME TO journal_executions_by_task')
  db.exec(EXECUTIONS_DDL)
  db.exec(`INSERT INTO journal_executions (${names}) SELECT ${names} FROM journal_executions_by_task`)
  db.exec('DROP TABLE journal_executions_by_task')
}

function addColumns(db: DatabaseSync, table: string, columns: Array<[string, string]>): void {
  const have = new Set(
    (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name)
  )
  for (const [name, type] of columns)
    if (!have.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`)
}

function addTaskColumns(db: DatabaseSync): void {
  addColumns(db, 'journal_tasks', ADDED_TASK_COLUMNS)
  addColumns(db, 'journal_executions', ADDED_EXECUTION_COLUMNS)
  addColumns(db, 'journal_attempts', ADDED_ATTEMPT_COLUMNS)
  rekeyExecutions(db)
  db.exec(
    'CREATE UNIQUE INDEX IF NOT EXISTS journal_tasks_idempotency ON journal_tasks (idempotency_key) WHERE idempotency_key IS NOT NULL'
  )
}

/**
 * Creates the journal tables if needed and records the schema version, in one
 * transaction so a crash during first start leaves either nothing or all of it.
 */
export function migrate(db: DatabaseSync): void {
  immediate(db, () => {
    db.exec(DDL)
    db.exec(TRACES_DDL)
    addTaskColumns(db)
    const row = db.prepare(`SELECT value FROM journal_meta WHERE key = 'schema_version'`).get() as
      | { value: string }
      | undefined
    if (row == null) {
      db.prepare(`INSERT INTO journal_meta (key, value) VALUES ('schema_version', ?)`).run(
        String(SCHEMA_VERSION)
      )
      return
    }
    const version = Number(row.value)
    // An older binary must not scribble over tables a newer one laid out.
    if (!Number.isInteger(version) || version > SCHEMA_VERSION) {
      throw new JournalError(
        'unsupported_schema',
        `task journal schema version ${row.value} is newer than this build supports (${SCHEMA_VERSION})`
      )
    }
  })
}
