import { randomUUID } from 'node:crypto'
import type {
  AgentInfo,
  ApiErrorBody,
  ApiEvent,
  AuctionRequestBody,
  AuctionResultInfo,
  IdInfo,
  PeerInfo,
  SolveRequestBody,
  SolveResultInfo,
  StatusInfo,
  SubmitRequest,
  TaskInfo,
  TaskResult,
  TaskStreamEvent,
  VoteRequestBody,
  VoteResultInfo
} from '@mesh-node/api'
import { type ApiEndpoint, defaultDataDir, readApiEndpoint } from './data-dir.js'
import { MeshClientError } from './errors.js'
import { isCut, type RetryInfo, type RetryPolicy, retryCut } from './retry.js'
import { streamTask, type TaskStreamOptions } from './task-stream.js'
import { type TopicClient, topicClient } from './topics.js'

export interface ConnectOptions {
  /** Data dir of the daemon to talk to. @default $MESH_NODE_HOME or ~/.mesh-node */
  dataDir?: string
  /** Per-request timeout in ms. @default 30000 */
  timeoutMs?: number
  /**
   * How long `submit`, `submitNoWait` and `task` keep retrying a request cut
   * by a daemon that died or restarted (re-reading the data dir's `api` file
   * each time, so a new port is followed). Submits carry an Idempotency-Key,
   * so a retry never makes a second task. 0 turns it off. @default 30000
   */
  retryMs?: number
  /** Told before each retry of a cut request (the CLI prints it). */
  onRetry?: (info: RetryInfo) => void
}

export interface SubmitOptions {
  /** @default a fresh random UUID per call, reused by its retries */
  idempotencyKey?: string
}

export interface MeshClient extends TopicClient {
  readonly url: string
  id(): Promise<IdInfo>
  peers(): Promise<PeerInfo[]>
  /**
   * Submits a task and waits for its answer; a failed task resolves too
   * (status 'failed'). A cut request is retried with the same Idempotency-Key.
   */
  submit(task: SubmitRequest, options?: SubmitOptions): Promise<TaskResult>
  /** Submits a task without waiting (retried like `submit`); follow it with task(taskId). */
  submitNoWait(task: SubmitRequest, options?: SubmitOptions): Promise<{ taskId: string }>
  task(taskId: string): Promise<TaskInfo>
  tasks(options?: { limit?: number }): Promise<TaskInfo[]>
  agents(options?: { capability?: string }): Promise<AgentInfo[]>
  cancel(taskId: string): Promise<TaskInfo>
  vote(request: VoteRequestBody): Promise<VoteResultInfo>
  auction(request: AuctionRequestBody): Promise<AuctionResultInfo>
  solve(request: SolveRequestBody): Promise<SolveResultInfo>
  status(): Promise<StatusInfo>
  /**
   * Follows a task submitted on this node: its streamed progress and partial
   * pieces as they come, then its result (GET /v1/tasks/:id/stream,
   * resumed with Last-Event-ID if the connection drops).
   */
  stream(taskId: string, options?: TaskStreamOptions): AsyncGenerator<TaskStreamEvent>
  /** Follows the daemon's event stream until the signal aborts or the daemon goes away. */
  events(options?: { types?: string[]; signal?: AbortSignal }): AsyncGenerator<ApiEvent>
  /** Asks the daemon to shut down gracefully; resolves once it has accepted. */
  shutdown(): Promise<void>
  /** Low-level escape hatch: an authenticated JSON request to any route. */
  request<T>(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<T>
}

export interface RequestOptions {
  timeoutMs?: number
  signal?: AbortSignal
  headers?: Record<string, string>
}

export function createClient(
  endpoint: ApiEndpoint,
  options: Omit<ConnectOptions, 'dataDir'> & { dataDir?: string } = {}
): MeshClient {
  let current = endpoint
  const baseOf = (e: ApiEndpoint): string => e.url.replace(/\/+$/, '')
  let base = baseOf(endpoint)
  const defaultTimeout = options.timeoutMs ?? 30_000
  const retry: RetryPolicy = {
    retryMs: options.retryMs ?? 30_000,
    onRetry: options.onRetry,
    // A restarted daemon listens on a new port: follow its data dir's api file.
    refresh: async () => {
      if (options.dataDir == null) return
      current = await readApiEndpoint(options.dataDir)
      base = baseOf(current)
    }
  }

  async function request<T>(
    method: string,
    path: string,
    body?: unknown,
    opts: RequestOptions = {}
  ): Promise<T> {
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? defaultTimeout)
    const signal = opts.signal != null ? AbortSignal.any([opts.signal, timeout]) : timeout
    let res: Response
    let text: string
    try {
      res = await fetch(base + path, {
        method,
        headers: {
          authorization: `Bearer ${current.token}`,
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
        defaultTimeout,
        base,
        dataDir: options.dataDir
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

  /** POST /v1/tasks with one Idempotency-Key for every try, so a retried cut request finds its task. */
  async function submitTask<T>(
    body: SubmitRequest & { wait: boolean },
    key: string | undefined,
    timeoutMs?: number
  ) {
    const headers = { 'idempotency-key': key ?? randomUUID() }
    return await retryCut(
      async () => await request<T>('POST', '/v1/tasks', body, { timeoutMs, headers }),
      retry
    )
  }

  return {
    id: async () => await request<IdInfo>('GET', '/v1/id'),
    peers: async () => await request<PeerInfo[]>('GET', '/v1/peers'),
    get url() {
      return base
    },
    submit: async (task, opts = {}) =>
      await submitTask<TaskResult>(
        { ...task, wait: true },
        opts.idempotencyKey,
        // The daemon answers by the task's own deadline; allow it that long.
        Math.max(defaultTimeout, (task.timeoutMs ?? 30_000) + 5_000)
      ),
    submitNoWait: async (task, opts = {}) =>
      await submitTask<{ taskId: string }>({ ...task, wait: false }, opts.idempotencyKey),
    task: async (taskId) =>
      await retryCut(
        async () => await request<TaskInfo>('GET', `/v1/tasks/${encodeURIComponent(taskId)}`),
        retry
      ),
    tasks: async (options = {}) =>
      await request<TaskInfo[]>('GET', `/v1/tasks${options.limit != null ? `?limit=${options.limit}` : ''}`),
    agents: async (options = {}) =>
      await request<AgentInfo[]>(
        'GET',
        `/v1/agents${options.capability != null ? `?capability=${encodeURIComponent(options.capability)}` : ''}`
      ),
    cancel: async (taskId) =>
      await request<TaskInfo>('POST', `/v1/tasks/${encodeURIComponent(taskId)}/cancel`),
    status: async () => await request<StatusInfo>('GET', '/v1/status'),
    vote: async (body) =>
      await request<VoteResultInfo>('POST', '/v1/votes', body, {
        timeoutMs: (body.timeoutMs ?? 10_000) + 10_000
      }),
    auction: async (body) =>
      await request<AuctionResultInfo>('POST', '/v1/auctions', body, {
        timeoutMs: (body.deadlineMs ?? 2000) + (body.timeoutMs ?? 30_000) + 10_000
      }),
    solve: async (body) =>
      await request<SolveResultInfo>('POST', '/v1/solve', body, {
        timeoutMs: 4 * (body.phaseTimeoutMs ?? 30_000) + 10_000
      }),
    events: (options = {}) => streamEvents(base, endpoint.token, options),
    stream: (taskId, options) => streamTask(base, endpoint.token, taskId, options),
    ...topicClient(base, endpoint.token, request),
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
  return createClient(endpoint, { ...options, dataDir })
}

async function* streamEvents(
  base: string,
  token: string,
  options: { types?: string[]; signal?: AbortSignal }
): AsyncGenerator<ApiEvent> {
  const query = options.types != null ? `?types=${options.types.join(',')}` : ''
  let res: Response
  try {
    res = await fetch(`${base}/v1/events${query}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: options.signal
    })
  } catch (err) {
    if (options.signal?.aborted === true) return
    throw new MeshClientError(
      `the mesh-node daemon at ${base} does not answer (${causeOf(err)})`,
      'daemon_not_running'
    )
  }
  if (!res.ok || res.body == null)
    throw new MeshClientError(`event stream refused: HTTP ${res.status}`, 'http_error', res.status)
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true })
      let end = buffer.indexOf('\n\n')
      while (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const data = block.split('\n').find((l) => l.startsWith('data: '))
        if (data != null) yield JSON.parse(data.slice(6)) as ApiEvent
        end = buffer.indexOf('\n\n')
      }
    }
  } catch (err) {
    if (options.signal?.aborted === true) return
    throw err
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

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (err as Error).message
}
