/**
 * @packageDocumentation
 *
 * Embedded storage for a mesh-node data dir. Everything a node persists (the
 * libp2p peer store, DHT records, later the task journal) lives in one SQLite
 * file opened through Node's built-in `node:sqlite`, so users never compile a
 * native addon.
 *
 * @example
 * ```ts
 * import { openDatabase, sqliteDatastore } from '@mesh-node/store'
 *
 * const db = openDatabase('/home/me/.mesh-node/mesh.db')
 * const datastore = sqliteDatastore(db, { table: 'libp2p' })
 * // pass `datastore` to createLibp2p({ datastore })
 * db.close()
 * ```
 */

export { type MeshDatabase, type OpenDatabaseOptions, openDatabase } from './database.js'
export { type SqliteDatastoreInit, sqliteDatastore } from './sqlite-datastore.js'
