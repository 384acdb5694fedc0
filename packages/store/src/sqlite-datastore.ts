import type { StatementSync } from 'node:sqlite'
import { BaseDatastore } from 'datastore-core'
import { Key, type KeyQuery, type Pair, type Query } from 'interface-datastore'
import { NotFoundError } from 'interface-store'
import type { MeshDatabase } from './database.js'

export interface SqliteDatastoreInit {
  /** Table that holds this datastore's keys. Several datastores can share one database. */
  table?: string
}

const TABLE_NAME = /^[a-z_][a-z0-9_]*$/

/**
 * A libp2p `Datastore` backed by one SQLite table. Queries push the key
 * prefix down into SQL; filters, orders and paging are applied by
 * `BaseDatastore` as usual.
 */
class SqliteDatastore extends BaseDatastore {
  private readonly putStmt: StatementSync
  private readonly getStmt: StatementSync
  private readonly hasStmt: StatementSync
  private readonly deleteStmt: StatementSync
  private readonly rangeStmt: StatementSync
  private readonly rangeKeysStmt: StatementSync

  constructor(
    private readonly db: MeshDatabase,
    table: string
  ) {
    super()
    db.exec(`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID`)
    this.putStmt = db.prepare(
      `INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`
    )
    this.getStmt = db.prepare(`SELECT value FROM ${table} WHERE key = ?`)
    this.hasStmt = db.prepare(`SELECT 1 FROM ${table} WHERE key = ?`)
    this.deleteStmt = db.prepare(`DELETE FROM ${table} WHERE key = ?`)
    this.rangeStmt = db.prepare(`SELECT key, value FROM ${table} WHERE key >= ? AND key < ? ORDER BY key`)
    this.rangeKeysStmt = db.prepare(`SELECT key FROM ${table} WHERE key >= ? AND key < ? ORDER BY key`)
  }

  override put(key: Key, val: Uint8Array): Key {
    this.putStmt.run(key.toString(), val)
    return key
  }

  override get(key: Key): Uint8Array {
    const row = this.getStmt.get(key.toString()) as { value: Uint8Array } | undefined
    if (row == null) throw new NotFoundError(`no value for key ${key.toString()}`)
    return row.value
  }

  override has(key: Key): boolean {
    return this.hasStmt.get(key.toString()) != null
  }

  override delete(key: Key): void {
    this.deleteStmt.run(key.toString())
  }

  override batch(): ReturnType<BaseDatastore['batch']> {
    const ops: Array<[string, Uint8Array | null]> = []
    return {
      put: (key: Key, value: Uint8Array) => {
        ops.push([key.toString(), value])
      },
      delete: (key: Key) => {
        ops.push([key.toString(), null])
      },
      commit: async () => {
        // One transaction, so a crash never leaves half a batch behind.
        this.db.exec('BEGIN')
        try {
          for (const [key, value] of ops) {
            if (value == null) this.deleteStmt.run(key)
            else this.putStmt.run(key, value)
          }
          this.db.exec('COMMIT')
        } catch (err) {
          this.db.exec('ROLLBACK')
          throw err
        }
        ops.length = 0
      }
    }
  }

  override *_all(q: Query): Generator<Pair> {
    const [lo, hi] = prefixRange(q.prefix)
    for (const row of this.rangeStmt.iterate(lo, hi) as Iterable<{ key: string; value: Uint8Array }>) {
      yield { key: new Key(row.key, false), value: row.value }
    }
  }

  override *_allKeys(q: KeyQuery): Generator<Key> {
    const [lo, hi] = prefixRange(q.prefix)
    for (const row of this.rangeKeysStmt.iterate(lo, hi) as Iterable<{ key: string }>) {
      yield new Key(row.key, false)
    }
  }
}

/** Keys with `prefix` sort in [prefix, prefix + U+FFFF); no prefix means everything. */
function prefixRange(prefix: string | undefined): [string, string] {
  if (prefix == null || prefix === '') return ['', '\uffff']
  return [prefix, prefix + '\uffff']
}

export function sqliteDatastore(db: MeshDatabase, init: SqliteDatastoreInit = {}): BaseDatastore {
  const table = init.table ?? 'datastore'
  if (!TABLE_NAME.test(table)) throw new Error(`invalid datastore table name "${table}"`)
  return new SqliteDatastore(db, table)
}
