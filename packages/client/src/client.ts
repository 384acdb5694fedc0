import { randomUUID } from 'node:crypto'
import type {
  AgentInfo,
  ApiEvent,
  IdInfo,
  PeerInfo,
  StatusInfo,
  SubmitRequest,
  TaskInfo,
  TaskResult,
  TaskStreamEvent
} from '@mesh-node/api'
import { type CoordinationClient, coordinationClient } from './coordination.js'
import { type ApiEndpoint, defaultDataDir, readApiEndpoint } from './data-dir.js'
import { streamEvents } from './event-stream.js'
import { type RetryInfo, type RetryPolicy, retryCut } from './retry.js'
import { streamTask, type TaskStreamOptions } from './task-stream.js'
import { type WaitForTaskOptions, waitForTask } from './task-wait.js'
import { type TopicClient, topicClient } from './topics.js'
import { ApiTransport, type RequestOptions } from './transport.js'

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

export interface MeshClient extends TopicClient, CoordinationClient {
  readonly url: string
  id(): Promise<IdInfo>
  peers(): Promise<PeerInfo[]>
  /** Closes the connections to one connected peer (id, unique prefix or name); it may reconnect at once. */
  disconnectPeer(peer: string): Promise<{ peerId: string; name?: string; disconnected: true }>
  /**
   * Submits a task and waits for its answer; a failed task resolves too
   * (status 'failed'). A cut request is retried with the same Idempotency-Key.
   */
  submit(task: SubmitRequest, options?: SubmitOptions): Promise<TaskResult>
  /** Submits a task without waiting (retried like `submit`); follow it with task(taskId). */
  submitNoWait(task: SubmitRequest, options?: SubmitOptions): Promise<{ taskId: string }>
  task(taskId: string): Promise<TaskInfo>
  /** Resolves with the task once it is completed, failed or cancelled (woken by its events, re-read each second). */
  waitForTask(taskId: string, options?: WaitForTaskOptions): Promise<TaskInfo>
  tasks(options?: { limit?: number }): Promise<TaskInfo[]>
  agents(options?: { capability?: string }): Promise<AgentInfo[]>
  cancel(taskId: string): Promise<TaskInfo>
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

export type { RequestOptions } from './transport.js'

export function createClient(
  endpoint: ApiEndpoint,
  options: Omit<ConnectOptions, 'dataDir'> & { dataDir?: string } = {}
): MeshClient {
  const transport = new ApiTransport(endpoint, options)
  const request = transport.request.bind(transport)
  const retry: RetryPolicy = {
    retryMs: options.retryMs ?? 30_000,
    onRetry: options.onRetry,
    // A restarted daemon listens on a new port: follow its data dir's api file.
    refresh: async () => await transport.refresh()
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

  const client: MeshClient = {
    id: async () => await request<IdInfo>('GET', '/v1/id'),
    peers: async () => await request<PeerInfo[]>('GET', '/v1/peers'),
    disconnectPeer: async (peer) =>
      await request<{ peerId: string; name?: string; disconnected: true }>(
        'POST',
        `/v1/peers/${encodeURIComponent(peer)}/disconnect`
      ),
    get url() {
      return transport.base
    },
    submit: async (task, opts = {}) =>
      await submitTask<TaskResult>(
        { ...task, wait: true },
        opts.idempotencyKey,
        // The daemon answers by the task's own deadline; allow it that long.
        Math.max(transport.defaultTimeoutMs, (task.timeoutMs ?? 30_000) + 5_000)
      ),
    submitNoWait: async (task, opts = {}) =>
      await submitTask<{ taskId: string }>({ ...task, wait: false }, opts.idempotencyKey),
    task: async (taskId) =>
      await retryCut(
        async () => await request<TaskInfo>('GET', `/v1/tasks/${encodeURIComponent(taskId)}`),
        retry
      ),
    waitForTask: async (taskId, options) => await waitForTask(client, taskId, options),
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
    events: (options = {}) => streamEvents(transport.base, transport.token, options),
    stream: (taskId, options) => streamTask(transport.base, transport.token, taskId, options),
    ...topicClient(transport.base, transport.token, request),
    ...coordinationClient(request),
    shutdown: async () => {
      await request<unknown>('POST', '/v1/shutdown')
    },
    request
  }
  return client
}

/** Finds the daemon of a data dir (see `readApiEndpoint`) and returns a client for it. */
export async function connect(options: ConnectOptions = {}): Promise<MeshClient> {
  const dataDir = options.dataDir ?? defaultDataDir()
  const endpoint = await readApiEndpoint(dataDir)
  return createClient(endpoint, { ...options, dataDir })
}
