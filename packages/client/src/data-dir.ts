import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { API_FILE, API_TOKEN_FILE } from '@mesh-node/api'
import { MeshClientError } from './errors.js'

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.MESH_NODE_HOME
  return resolve(fromEnv != null && fromEnv !== '' ? fromEnv : join(homedir(), '.mesh-node'))
}

export interface ApiEndpoint {
  url: string
  token: string
}

/** Reads where the daemon of `dataDir` listens; a clear error when none runs. */
export async function readApiEndpoint(dataDir: string): Promise<ApiEndpoint> {
  let url: string
  try {
    url = (await readFile(join(dataDir, API_FILE), 'utf8')).trim()
  } catch {
    throw new MeshClientError(
      `no mesh-node daemon is running for ${dataDir} (start one with "mesh-node start --data-dir ${dataDir}")`,
      'daemon_not_running'
    )
  }
  let token: string
  try {
    token = (await readFile(join(dataDir, API_TOKEN_FILE), 'utf8')).trim()
  } catch (err) {
    throw new MeshClientError(
      `cannot read the API token in ${dataDir}: ${(err as Error).message}`,
      'unauthorized'
    )
  }
  return { url, token }
}
