/**
 * The files of a data dir (like Kubo's repo): the daemon writes them, the
 * CLI and the client read `api` and `api.token` to find a running daemon.
 */

/** Written by the daemon once its API listens: the base URL. Removed on clean exit. */
export const API_FILE = 'api'
/** The bearer token for the API, mode 0600. */
export const API_TOKEN_FILE = 'api.token'
/** The node's Ed25519 private key (protobuf), mode 0600. */
export const IDENTITY_FILE = 'identity.key'
/** The node's settings. */
export const CONFIG_FILE = 'config.json'
/** The SQLite database: task journal, peer store, DHT records. */
export const DATABASE_FILE = 'mesh.db'
/** Held while a daemon runs on the data dir. */
export const LOCK_FILE = 'daemon.lock'
