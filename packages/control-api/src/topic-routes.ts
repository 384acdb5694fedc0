import type { ServerResponse } from 'node:http'
import { type MessageEnvelope, type Messaging, MessagingError } from '@mesh-node/messaging'
import { ApiError, badRequest } from './api-error.js'
import type { Route } from './server.js'

export interface TopicRoutesInit {
  messaging: Messaging
  /** Peers known to run an agent of this name, for a send that names no node. */
  agentNodes: (agent: string) => string[]
  /** A subscriber whose socket holds more than this unread is cut off. @default 1 MiB */
  maxBufferedBytes?: number
  /** @default 15000 */
  keepAliveMs?: number
}

const STATUS: Record<MessagingError['code'], number> = {
  bad_topic: 400,
  bad_message: 400,
  bad_replay: 400,
  internal_topic: 403,
  message_too_large: 413,
  rate_limited: 429,
  too_many_topics: 429,
  too_many_subscribers: 429,
  stopped: 503,
  peer_unreachable: 502,
  peer_unsupported: 502,
  send_timeout: 504,
  unknown_agent: 404,
  agent_failed: 502
}

/** Maps a messaging refusal to the API's `{error, code}` answer. */
export function messagingApiError(err: unknown): unknown {
  return err instanceof MessagingError ? new ApiError(STATUS[err.code], err.code, err.message) : err
}

/** User topics: publish, follow as server-sent events, list. */
export function topicRoutes(init: TopicRoutesInit): Route[] {
  const { messaging } = init
  return [
    {
      method: 'POST',
      path: '/v1/topics/:topic/messages',
      scoped: true,
      handler: async ({ param, body, log, agent }) => {
        const b = (body ?? {}) as Record<string, unknown>
        if (typeof body !== 'object' || body === null || Array.isArray(body) || !('payload' in b))
          throw badRequest('body must be a JSON object {"payload": ...} (optional "type", "correlationId")')
        if (b.correlationId !== undefined && typeof b.correlationId !== 'string')
          throw badRequest('correlationId must be a string')
        try {
          const result = await messaging.publish(param('topic'), b.payload, {
            type: b.type as string | undefined,
            agent,
            correlationId: b.correlationId as string | undefined
          })
          log.debug({ topic: result.topic, messageId: result.id, peers: result.peers }, 'published')
          return result
        } catch (err) {
          throw messagingApiError(err)
        }
      }
    },
    {
      method: 'GET',
      path: '/v1/topics/:topic/stream',
      raw: true,
      handler: ({ param, query, res }) => {
        const since = query.get('since')
        const sinceMs = since == null ? 0 : Number(since)
        if (!Number.isFinite(sinceMs) || sinceMs < 0)
          throw badRequest('since must be a number of milliseconds >= 0, e.g. ?since=30000')
        streamTopic(messaging, param('topic'), sinceMs, res, init)
      }
    },
    {
      method: 'POST',
      path: '/v1/messages',
      scoped: true,
      handler: async ({ body, agent }) => await sendRoute(init, body, agent)
    },
    {
      method: 'GET',
      path: '/v1/topics',
      handler: () => messaging.topics()
    }
  ]
}

async function sendRoute(init: TopicRoutesInit, body: unknown, fromAgent?: string): Promise<unknown> {
  const b = (body ?? {}) as {
    to?: { agent?: unknown; node?: unknown }
    payload?: unknown
    timeoutMs?: unknown
  }
  const agent = b.to?.agent
  if (
    typeof body !== 'object' ||
    body === null ||
    !('payload' in b) ||
    typeof agent !== 'string' ||
    agent === ''
  )
    throw badRequest(
      'body must be {"to": {"agent": NAME, "node"?: PEER_ID}, "payload": ...} (optional "type", "correlationId", "timeoutMs")'
    )
  if (b.timeoutMs !== undefined && !(typeof b.timeoutMs === 'number' && b.timeoutMs > 0))
    throw badRequest('timeoutMs must be a positive number of milliseconds')
  let node = b.to?.node
  if (node !== undefined && typeof node !== 'string') throw badRequest('to.node must be a peer id string')
  if (node === undefined) {
    const nodes = [...new Set(init.agentNodes(agent))]
    if (nodes.length === 0)
      throw new ApiError(
        404,
        'unknown_agent',
        `no agent named "${agent}" is known in the mesh (see "mesh-node agents")`
      )
    if (nodes.length > 1)
      throw new ApiError(
        409,
        'ambiguous_agent',
        `agent "${agent}" runs on ${nodes.length} nodes; name one: ${agent}@${nodes.join(` or ${agent}@`)}`
      )
    node = nodes[0]
  }
  const options = b as { type?: string; correlationId?: string }
  try {
    return await init.messaging.send({ agent, node: node as string }, b.payload, {
      type: options.type,
      correlationId: options.correlationId,
      agent: fromAgent,
      timeoutMs: b.timeoutMs as number | undefined
    })
  } catch (err) {
    throw messagingApiError(err)
  }
}

function streamTopic(
  messaging: Messaging,
  topic: string,
  sinceMs: number,
  res: ServerResponse,
  init: TopicRoutesInit
): void {
  const maxBuffered = init.maxBufferedBytes ?? 1024 * 1024
  const write = (event: string, data: unknown): void => {
    if (res.writableLength > maxBuffered) {
      // A reader that stopped reading loses its subscription, not our memory.
      res.destroy()
      return
    }
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }
  let subscription: ReturnType<Messaging['subscribe']>
  try {
    subscription = messaging.subscribe(topic, (m: MessageEnvelope) => write('message', m), { sinceMs })
  } catch (err) {
    throw messagingApiError(err)
  }
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive'
  })
  write('subscribed', { topic: subscription.topic, sinceMs })
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), init.keepAliveMs ?? 15_000)
  keepAlive.unref()
  void subscription.replayed.then((count) => {
    if (!res.destroyed) write('replayed', { topic: subscription.topic, count })
  })
  res.on('close', () => {
    clearInterval(keepAlive)
    subscription.unsubscribe()
  })
}
