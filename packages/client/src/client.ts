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
import { streamTask, type TaskStreamOptions } from './task-stream.js'
import { type TopicClient, topicClient } from './topics.js'

export interface ConnectOptions {
  /** Data dir of the daemon to talk to. @default $MESH_NODE_HOME or ~/.mesh-node */
  dataDir?: string
  /** Per-request timeout in ms. @default 30000 */
  timeoutMs?: number
}

export interface MeshClient extends TopicClient {
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
  return createClient(endpoint, { timeoutMs: options.timeoutMs, dataDir })
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

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (err as Error).message
}
