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

/** Where an error came from that says what to fix: its message alone is shown. */
export interface ReportOptions {
  /** Error class names whose messages explain themselves (CliError always does). */
  explained?: Iterable<string>
  /** Shows the stack of an unexplained error (a bug), e.g. when MESH_NODE_DEBUG=1. */
  debug?: boolean
}

/** Prints `error: ...` on stderr and returns the exit code, 1. */
export function reportError(err: unknown, options: ReportOptions = {}): number {
  const e = err as Error
  const code = (err as { code?: unknown }).code
  const explained = new Set(['CliError', ...(options.explained ?? [])])
  if (e?.name === 'MeshClientError' && typeof code === 'string' && !e.message.includes(code)) {
    process.stderr.write(`error: ${code}: ${e.message}\n`)
  } else if (explained.has(e?.name)) {
    process.stderr.write(`error: ${e.message}\n`)
  } else {
    process.stderr.write(`error: ${e?.message ?? String(err)}\n`)
    if (options.debug === true && e?.stack != null) process.stderr.write(`${e.stack}\n`)
  }
  return 1
}
