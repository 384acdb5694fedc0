import { MeshClientError } from './errors.js'

/** A message as subscribers receive it (the envelope of docs/PROTOCOL.md, "User topics"). */
export interface TopicMessage<T = unknown> {
  v: 1
  id: string
  type: string
  topic: string
  from: { node: string; agent?: string }
  to: 'broadcast' | { agent: string; node?: string }
  payload: T
  timestamp: number
  correlationId?: string
}

export interface PublishAck {
  id: string
  topic: string
  timestamp: number
  peers: number
  localSubscribers: number
}

export interface TopicSubscribeOptions {
  /** Also receive what connected peers published this many ms before subscribing. */
  sinceMs?: number
  /** Ends the subscription when aborted. */
  signal?: AbortSignal
  /** Messages held for a slow reader before the stream is paused. @default 1024 */
  maxPending?: number
}

/** An async iterable of messages, as in NATS.js: `for await (const m of sub)`. */
export interface TopicSubscription<T = unknown> extends AsyncIterable<TopicMessage<T>> {
  readonly topic: string
  /** Resolves once the daemon follows the topic; messages published from then on arrive. */
  readonly ready: Promise<void>
  /** Resolves when the subscription has ended (unsubscribed, aborted or the daemon went away). */
  readonly closed: Promise<void>
  unsubscribe(): void
}

export interface SendAck {
  id: string
  agent: string
  node: string
  /** What the agent's handler returned (null when it answered nothing). */
  reply: unknown
}

export interface TopicClient {
  /** Publishes `payload` (any JSON) to a user topic. */
  publish(
    topic: string,
    payload: unknown,
    options?: { type?: string; correlationId?: string }
  ): Promise<PublishAck>
  /**
   * Delivers a message straight to one agent, `name` or `name@peerId`, and
   * resolves with its acknowledgement once the agent's handler has run.
   */
  send(
    agent: string,
    payload: unknown,
    options?: { type?: string; correlationId?: string; timeoutMs?: number }
  ): Promise<SendAck>
  /** Follows a user topic until unsubscribed. */
  subscribe<T = unknown>(topic: string, options?: TopicSubscribeOptions): TopicSubscription<T>
}

type Request = <T>(
  method: string,
  path: string,
  body?: unknown,
  options?: { timeoutMs?: number }
) => Promise<T>

export function topicClient(base: string, token: string, request: Request): TopicClient {
  return {
    publish: async (topic, payload, options = {}) =>
      await request<PublishAck>('POST', `/v1/topics/${encodeURIComponent(topic)}/messages`, {
        payload: payload ?? null,
        ...options
      }),
    send: async (agent, payload, options = {}) => {
      const at = agent.lastIndexOf('@')
      const to = at > 0 ? { agent: agent.slice(0, at), node: agent.slice(at + 1) } : { agent }
      return await request<SendAck>(
        'POST',
        '/v1/messages',
        { to, payload: payload ?? null, ...options },
        { timeoutMs: (options.timeoutMs ?? 30_000) + 10_000 }
      )
    },
    subscribe: (topic, options = {}) => openSubscription(base, token, topic, options)
  }
}

function openSubscription<T>(
  base: string,
  token: string,
  topic: string,
  options: TopicSubscribeOptions
): TopicSubscription<T> {
  const abort = new AbortController()
  const signal = options.signal != null ? AbortSignal.any([options.signal, abort.signal]) : abort.signal
  const maxPending = options.maxPending ?? 1024
  const pending: Array<TopicMessage<T>> = []
  let failure: Error | undefined
  let ended = false
  let wake: (() => void) | undefined
  let space: (() => void) | undefined
  let resolveReady!: () => void
  let rejectReady!: (err: Error) => void
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve
    rejectReady = reject
  })
  ready.catch(() => {})
  signal.addEventListener('abort', () => space?.(), { once: true })
  const notify = (): void => {
    wake?.()
    wake = undefined
  }

  const pump = async (): Promise<void> => {
    const body = await openTopicStream(base, token, topic, options.sinceMs, signal)
    for await (const event of sseEvents(body)) {
      if (event.name === 'subscribed') resolveReady()
      if (event.name !== 'message') continue
      pending.push(JSON.parse(event.data) as TopicMessage<T>)
      notify()
      // Stop reading while the consumer is behind; the daemon bounds what it buffers for us.
      if (pending.length >= maxPending) await new Promise<void>((resolve) => (space = resolve))
    }
  }
  const closed = pump()
    .catch((err: unknown) => {
      if (!signal.aborted) failure = err as Error
    })
    .finally(() => {
      ended = true
      rejectReady(failure ?? new MeshClientError('subscription ended before it was ready', 'closed'))
      notify()
    })

  return {
    topic,
    ready,
    closed,
    unsubscribe: () => abort.abort(),
    async *[Symbol.asyncIterator]() {
      try {
        while (true) {
          const next = pending.shift()
          if (next !== undefined) {
            space?.()
            space = undefined
            yield next
            continue
          }
          if (failure != null) throw failure
          if (ended) return
          await new Promise<void>((resolve) => (wake = resolve))
        }
      } finally {
        abort.abort()
      }
    }
  }
}

/** GET /v1/topics/:topic/stream: the open event stream, or an error that says why not. */
async function openTopicStream(
  base: string,
  token: string,
  topic: string,
  sinceMs: number | undefined,
  signal: AbortSignal
): Promise<ReadableStream<Uint8Array>> {
  const query = sinceMs != null ? `?since=${sinceMs}` : ''
  const res = await fetch(`${base}/v1/topics/${encodeURIComponent(topic)}/stream${query}`, {
    headers: { authorization: `Bearer ${token}` },
    signal
  }).catch((err: unknown) => {
    throw new MeshClientError(
      `the mesh-node daemon at ${base} does not answer (${(err as Error).message})`,
      'daemon_not_running'
    )
  })
  if (!res.ok || res.body == null) {
    const body = (await res.json().catch(() => ({}))) as { error?: string; code?: string }
    throw new MeshClientError(
      body.error ?? `subscribe refused: HTTP ${res.status}`,
      body.code ?? 'http_error',
      res.status
    )
  }
  return res.body
}

/** Parses a server-sent event stream into `{name, data, id?}` events; comments are skipped. */
export async function* sseEvents(
  body: ReadableStream<Uint8Array>
): AsyncGenerator<{ name: string; data: string; id?: number }> {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true })
    let end = buffer.indexOf('\n\n')
    while (end >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let name = 'message'
      let data: string | undefined
      let id: number | undefined
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7)
        else if (line.startsWith('data: ')) data = line.slice(6)
        else if (line.startsWith('id: ')) id = Number(line.slice(4))
      }
      if (data !== undefined) yield { name, data, ...(id !== undefined ? { id } : {}) }
      end = buffer.indexOf('\n\n')
    }
  }
}
