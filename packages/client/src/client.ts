import { type ApiEndpoint, defaultDataDir, readApiEndpoint } from './data-dir.js'
import { MeshClientError } from './errors.js'
import type {
  AgentInfo,
  ApiErrorBody,
  IdInfo,
  PeerInfo,
  SubmitRequest,
  TaskInfo,
  TaskResult
} from './types.js'

export interface ConnectOptions {
  /** Data dir of the daemon to talk to. @default $MESH_NODE_HOME or ~/.mesh-node */
  dataDir?: string
  /** Per-request timeout in ms. @default 30000 */
  timeoutMs?: number
}

export interface MeshClient {
  readonly url: string
  id(): Promise<IdInfo>
  peers(): Promise<PeerInfo[]>
  /** Submits a task and waits for its answer; a failed task resolves too (status 'failed'). */
  submit(task: SubmitRequest): Promise<TaskResult>
  /** Submits a task without waiting; follow it with task(taskId). */
  submitNoWait(task: SubmitRequest): Promise<{ taskId: string }>
  task(taskId: string): Promise<TaskInfo>
  tasks(options?: { limit?: number }): Promise<TaskInfo[]>
  agents(options?: { capability?: string }): Promise<AgentInfo[]>
  /** Asks the daemon to shut down gracefully; resolves once it has accepted. */
  shutdown(): Promise<void>
  /** Low-level escape hatch: an authenticated JSON request to any route. */
  request<T>(
    method: string,
    path: string,
    body?: unknown,
    options?: { timeoutMs?: number; signal?: AbortSignal }
  ): Promise<T>
}

export function createClient(
  endpoint: ApiEndpoint,
  options: { timeoutMs?: number; dataDir?: string } = {}
): MeshClient {
  const base = endpoint.url.replace(/\/+$/, '')
  const defaultTimeout = options.timeoutMs ?? 30_000

  async function request<T>(
    method: string,
    path: string,
    body?: unknown,
    opts: { timeoutMs?: number; signal?: AbortSignal } = {}
  ): Promise<T> {
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? defaultTimeout)
    const signal = opts.signal != null ? AbortSignal.any([opts.signal, timeout]) : timeout
    let res: Response
    try {
      res = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${endpoint.token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {})
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal
      })
    } catch (err) {
      if (timeout.aborted)
        throw new MeshClientError(
          `${method} ${path} timed out after ${opts.timeoutMs ?? defaultTimeout} ms`,
          'timeout'
        )
      if (opts.signal?.aborted === true) throw new MeshClientError(`${method} ${path} was aborted`, 'aborted')
      const cause = causeOf(err)
      if (options.dataDir != null && cause === 'ECONNREFUSED') {
        throw new MeshClientError(
          `no mesh-node daemon is running for ${options.dataDir} (its api file points at ${base}, where nothing listens; it probably crashed)`,
          'daemon_not_running'
        )
      }
      throw new MeshClientError(
        `the mesh-node daemon at ${base} does not answer (${cause}); is it running?`,
        'daemon_not_running'
      )
    }
    const text = await res.text()
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

  return {
    url: base,
    id: async () => await request<IdInfo>('GET', '/v1/id'),
    peers: async () => await request<PeerInfo[]>('GET', '/v1/peers'),
    submit: async (task) =>
      await request<TaskResult>(
        'POST',
        '/v1/tasks',
        { ...task, wait: true },
        {
          // The daemon answers by the task's own deadline; allow it that long.
          timeoutMs: Math.max(defaultTimeout, (task.timeoutMs ?? 30_000) + 5_000)
        }
      ),
    submitNoWait: async (task) =>
      await request<{ taskId: string }>('POST', '/v1/tasks', { ...task, wait: false }),
    task: async (taskId) => await request<TaskInfo>('GET', `/v1/tasks/${encodeURIComponent(taskId)}`),
    tasks: async (options = {}) =>
      await request<TaskInfo[]>('GET', `/v1/tasks${options.limit != null ? `?limit=${options.limit}` : ''}`),
    agents: async (options = {}) =>
      await request<AgentInfo[]>(
        'GET',
        `/v1/agents${options.capability != null ? `?capability=${encodeURIComponent(options.capability)}` : ''}`
      ),
    shutdown: async () => {
      await request<unknown>('POST', '/v1/shutdown')
    },
    request
  }
}

/** Finds the daemon of a data dir (see `readApiEndpoint`) and returns a client for it. */
export async function connect(options: ConnectOptions = {}): Promise<MeshClient> {
  const dataDir = options.dataDir ?? defaultDataDir()
  const endpoint = await readApiEndpoint(dataDir)
  return createClient(endpoint, { timeoutMs: options.timeoutMs, dataDir })
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (err as Error).message
}
