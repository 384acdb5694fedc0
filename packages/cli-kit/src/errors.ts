/** A usage or input error found by the CLI itself, before any daemon is involved. */
export class CliError extends Error {
  override name = 'CliError'
  constructor(
    message: string,
    readonly code = 'usage'
  ) {
    super(message)
  }
}

/** Errors that explain themselves; anything else is a bug and may show a stack with MESH_NODE_DEBUG=1. */
const EXPLAINED = new Set([
  'CliError',
  'DaemonError',
  'ConfigError',
  'MeshClientError',
  'SwarmKeyError',
  'AgentConfigError'
])

export function reportError(err: unknown): number {
  const e = err as Error
  const code = (err as { code?: unknown }).code
  if (e?.name === 'MeshClientError' && typeof code === 'string' && !e.message.includes(code)) {
    // As a failed task reports itself: `error: CODE: message`, so scripts and people see the code.
    process.stderr.write(`error: ${code}: ${e.message}\n`)
  } else if (EXPLAINED.has(e?.name)) {
    process.stderr.write(`error: ${e.message}\n`)
  } else {
    process.stderr.write(`error: ${e?.message ?? String(err)}\n`)
    if (process.env.MESH_NODE_DEBUG === '1' && e?.stack != null) process.stderr.write(e.stack + '\n')
  }
  return 1
}
