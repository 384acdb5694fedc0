import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  API_FILE,
  API_TOKEN_FILE,
  CONFIG_FILE,
  DATABASE_FILE,
  IDENTITY_FILE,
  LOCK_FILE
} from '@mesh-node/api'
import { defaultConfig } from '@mesh-node/config'
import { DaemonError } from './errors.js'

/** One data dir holds a node's identity, config and state, like Kubo's repo. */
export function dataDirPaths(dir: string) {
  return {
    dir,
    identity: join(dir, IDENTITY_FILE),
    config: join(dir, CONFIG_FILE),
    database: join(dir, DATABASE_FILE),
    lock: join(dir, LOCK_FILE),
    api: join(dir, API_FILE),
    apiToken: join(dir, API_TOKEN_FILE),
    /** One file per running exec agent process group (see @mesh-node/agents' process guard). */
    agentProcesses: join(dir, 'agent-processes')
  }
}

export type DataDirPaths = ReturnType<typeof dataDirPaths>

export function ensureDataDir(dir: string): DataDirPaths {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new DaemonError(`cannot create data dir ${dir}: ${(err as Error).message}`, 'data_dir_unusable')
  }
  if (!statSync(dir).isDirectory())
    throw new DaemonError(`data dir ${dir} is not a directory`, 'data_dir_unusable')
  return dataDirPaths(dir)
}

/** Loads the node's Ed25519 key, creating it (mode 0600) on first use. */
export async function loadOrCreateIdentity(
  paths: DataDirPaths
): Promise<{ privateKey: PrivateKey; created: boolean }> {
  if (existsSync(paths.identity)) {
    let key: PrivateKey
    try {
      key = privateKeyFromProtobuf(readFileSync(paths.identity))
    } catch (err) {
      throw new DaemonError(
        `identity file ${paths.identity} is unreadable or corrupt: ${(err as Error).message}`,
        'identity_invalid'
      )
    }
    // A key file others can read is a leaked identity; tighten it rather than refuse.
    if ((statSync(paths.identity).mode & 0o077) !== 0) chmodSync(paths.identity, 0o600)
    return { privateKey: key, created: false }
  }
  const key = await generateKeyPair('Ed25519')
  writeFileSync(paths.identity, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' })
  return { privateKey: key, created: true }
}

/** `mesh-node init`: identity plus a default config file; never replaces either. */
export async function initDataDir(
  dir: string
): Promise<{ peerId: string; dataDir: string; created: boolean; configFile: string }> {
  const paths = ensureDataDir(dir)
  const { privateKey, created } = await loadOrCreateIdentity(paths)
  if (!existsSync(paths.config)) {
    writeFileSync(paths.config, JSON.stringify(defaultConfig(), null, 2) + '\n', { mode: 0o600, flag: 'wx' })
  }
  return {
    peerId: peerIdFromPrivateKey(privateKey).toString(),
    dataDir: dir,
    created,
    configFile: paths.config
  }
}

/** Publishes where the API listens. The URL file appears atomically, after the token. */
export function writeApiFiles(paths: DataDirPaths, url: string, token: string): void {
  writeFileSync(paths.apiToken, token + '\n', { mode: 0o600 })
  chmodSync(paths.apiToken, 0o600)
  const tmp = `${paths.api}.${process.pid}.tmp`
  writeFileSync(tmp, url + '\n', { mode: 0o644 })
  renameSync(tmp, paths.api)
}

export function removeApiFile(paths: DataDirPaths): void {
  rmSync(paths.api, { force: true })
}
