import type { ApiErrorBody } from '@mesh-node/api'
import { type ApiEndpoint, readApiEndpoint } from './data-dir.js'
import { MeshClientError } from './errors.js'
import { isCut } from './retry.js'

export interface RequestOptions {
  timeoutMs?: number
  signal?: AbortSignal
  headers?: Record<string, string>
}

/**
 * Authenticated JSON requests to one daemon. `refresh` re-reads the data
 * dir's api file, so requests follow a daemon that restarted on a new port.
 */
export class ApiTransport {
  private endpoint: ApiEndpoint
  readonly defaultTimeoutMs: number
  private readonly dataDir?: string

  constructor(endpoint: ApiEndpoint, options: { timeoutMs?: number; dataDir?: string }) {
    this.endpoint = endpoint
    this.defaultTimeoutMs = options.timeoutMs ?? 30_000
    this.dataDir = options.dataDir
  }

  get base(): string {
    return this.endpoint.url.replace(/\/+$/, '')
  }

  get token(): string {
    return this.endpoint.token
  }

  async refresh(): Promise<void> {
    if (this.dataDir != null) this.endpoint = await readApiEndpoint(this.dataDir)
  }

  async request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? this.defaultTimeoutMs)
    const signal = opts.signal != null ? AbortSignal.any([opts.signal, timeout]) : timeout
    let res: Response
    let text: string
    try {
      res = await fetch(this.base + path, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...opts.headers
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal
      })
      text = await res.text()
    } catch (err) {
      throw fetchFailure(err, `${method} ${path}`, {
        timeout,
        opts,
        defaultTimeout: this.defaultTimeoutMs,
        base: this.base,
        dataDir: this.dataDir
      })
    }
    let parsed: unknown
    try {
      parsed = text === '' ? undefined : JSON.parse(text)
    } catch {
      throw new MeshClientError(
        `the daemon answered ${res.status} with a body that is not JSON`,
        'bad_response',
        res.status
      )
    }
    if (!res.ok) {
      const err = parsed as Partial<ApiErrorBody> | undefined
      throw new MeshClientError(err?.error ?? `HTTP ${res.status}`, err?.code ?? 'http_error', res.status)
    }
    return parsed as T
  }
}

/** A fetch that threw: timed out, aborted, or cut (retryable), each with what to check. */
function fetchFailure(
  err: unknown,
  what: string,
  c: { timeout: AbortSignal; opts: RequestOptions; defaultTimeout: number; base: string; dataDir?: string }
): MeshClientError {
  if (c.timeout.aborted)
    return new MeshClientError(
      `${what} timed out after ${c.opts.timeoutMs ?? c.defaultTimeout} ms`,
      'timeout'
    )
  if (c.opts.signal?.aborted === true) return new MeshClientError(`${what} was aborted`, 'aborted')
  const cause = causeOf(err)
  const cut = isCut(cause)
  if (c.dataDir != null && cause === 'ECONNREFUSED') {
    return new MeshClientError(
      `no mesh-node daemon is running for ${c.dataDir} (its api file points at ${c.base}, where nothing listens; it probably crashed)`,
      'daemon_not_running',
      undefined,
      cut
    )
  }
  return new MeshClientError(
    `the mesh-node daemon at ${c.base} does not answer (${cause}); is it running?`,
    'daemon_not_running',
    undefined,
    cut
  )
}

export function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (err as Error).message
}
