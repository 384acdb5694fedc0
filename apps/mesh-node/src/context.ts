import { resolve } from 'node:path'
import { CliError } from '@mesh-node/cli-kit'
import {
  type ConnectOptions,
  connect,
  createClient,
  defaultDataDir,
  type MeshClient
} from '@mesh-node/client'
import type { Command } from 'commander'

export interface CommonOptions {
  dataDir?: string
  json?: boolean
  /** A daemon elsewhere: its API URL (or MESH_NODE_API), with MESH_NODE_TOKEN. */
  api?: string
}

export function dataDirOf(options: CommonOptions): string {
  return options.dataDir != null ? resolve(options.dataDir) : defaultDataDir()
}

/**
 * The daemon to talk to: `--api URL` or `MESH_NODE_API` (token from
 * `MESH_NODE_TOKEN`, never a flag, so it stays out of `ps`), else the one
 * whose data dir this is.
 */
export async function clientFor(
  options: CommonOptions,
  timeoutMs?: number,
  retry: Pick<ConnectOptions, 'retryMs' | 'onRetry'> = {}
): Promise<MeshClient> {
  const api = options.api ?? (options.dataDir == null ? process.env.MESH_NODE_API : undefined)
  if (api == null || api === '') return await connect({ dataDir: dataDirOf(options), timeoutMs, ...retry })
  let url: URL
  try {
    url = new URL(api)
  } catch {
    url = new URL('invalid:')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`--api / MESH_NODE_API "${api}" must be a URL like http://127.0.0.1:4201`)
  const token = process.env.MESH_NODE_TOKEN?.trim()
  if (token == null || token === '')
    throw new CliError(
      `set MESH_NODE_TOKEN to the token of the daemon at ${api} (its DATA_DIR/api.token) to use --api / MESH_NODE_API`
    )
  return createClient({ url: url.origin + url.pathname.replace(/\/+$/, ''), token }, { timeoutMs, ...retry })
}

/**
 * Every command takes --data-dir. Commands that talk to a running daemon
 * (`remote`) also take --api, for a daemon that is not on this disk.
 */
export function withDataDir(cmd: Command, { remote = true }: { remote?: boolean } = {}): Command {
  cmd.option('--data-dir <dir>', 'data dir of the node (default: $MESH_NODE_HOME or ~/.mesh-node)')
  if (remote)
    cmd.option(
      '--api <url>',
      'talk to the daemon at this API URL instead (default: $MESH_NODE_API); the token comes from $MESH_NODE_TOKEN'
    )
  return cmd
}

export function withJson(cmd: Command): Command {
  return cmd.option('--json', 'print JSON instead of a table')
}
