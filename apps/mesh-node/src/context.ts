import { resolve } from 'node:path'
import { connect, createClient, defaultDataDir, type MeshClient } from '@mesh-node/client'
import type { Command } from 'commander'

export interface CommonOptions {
  dataDir?: string
  json?: boolean
}

export function dataDirOf(options: CommonOptions): string {
  return options.dataDir != null ? resolve(options.dataDir) : defaultDataDir()
}

export async function clientFor(options: CommonOptions, timeoutMs?: number): Promise<MeshClient> {
  // Inside an exec agent the daemon hands over its address and a scoped token.
  const { MESH_NODE_API: url, MESH_NODE_TOKEN: token } = process.env
  if (options.dataDir == null && url != null && url !== '' && token != null && token !== '')
    return createClient({ url, token }, { timeoutMs })
  return await connect({ dataDir: dataDirOf(options), timeoutMs })
}

/** Every command takes --data-dir; read commands take --json as well. */
export function withDataDir(cmd: Command): Command {
  return cmd.option('--data-dir <dir>', 'data dir of the node (default: $MESH_NODE_HOME or ~/.mesh-node)')
}

export function withJson(cmd: Command): Command {
  return cmd.option('--json', 'print JSON instead of a table')
}
