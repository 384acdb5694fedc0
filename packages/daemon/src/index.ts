/**
 * @packageDocumentation
 *
 * The mesh-node daemon: it owns a data dir (identity, config, database,
 * lock, api files), runs the libp2p peer with the mesh services, and serves
 * the control API. The CLI's `start` is a thin wrapper around `startDaemon`.
 *
 * @example
 * ```ts
 * import { startDaemon } from '@mesh-node/daemon'
 *
 * const daemon = await startDaemon({ dataDir: '/tmp/node-a', overrides: { api: '127.0.0.1:0' } })
 * console.log(daemon.peerId, daemon.apiUrl)
 * await daemon.stop()
 * ```
 */

export { EVENT_TYPES } from '@mesh-node/api'
export {
  checkNodeName,
  DEFAULT_API,
  DEFAULT_LISTEN,
  DEFAULT_MDNS_TAG,
  defaultConfig,
  defaultNodeName,
  type LogLevel,
  type MeshConfig,
  mergeConfig,
  type PartialConfig,
  parseHostPort,
  readConfigFile,
  validateConfig
} from '@mesh-node/config'
export { type Daemon, loadConfig, type StartDaemonOptions, startDaemon } from './daemon.js'
export {
  type DataDirPaths,
  dataDirPaths,
  ensureDataDir,
  initDataDir,
  loadOrCreateIdentity
} from './data-dir.js'
export { DaemonError } from './errors.js'
export { acquireLock } from './lock.js'
export { createLogger, type Logger } from './logger.js'
