import { randomBytes } from 'node:crypto'
import type { AgentRuntime, AgentSpec } from '@mesh-node/agents'
import {
  type DirectDelivery,
  type MessageEnvelope,
  type Messaging,
  MessagingError,
  type Subscription
} from '@mesh-node/messaging'
import type { MessageRequest } from '@mesh-node/sdk'
import { DaemonError } from './errors.js'
import type { Logger } from './logger.js'

export interface AgentTopicsInit {
  agents: AgentSpec[]
  runtime: AgentRuntime
  messaging: Messaging
  selfPeerId: string
  log: Logger
  /** Messages one agent handles at once (an exec handler spawns a process for each). @default 4 */
  concurrency?: number
  /** Messages waiting per agent beyond that; more are dropped (at most once). @default 256 */
  maxQueued?: number
  /** Deadline of one message's handling. @default 30000 */
  timeoutMs?: number
}

/** One scoped API token per agent (see ApiServerInit.scopedTokens): by agent, and by token. */
export function agentTokens(agents: AgentSpec[]): {
  byAgent: Map<string, string>
  byToken: Map<string, string>
} {
  const byAgent = new Map(agents.map((a) => [a.name, randomBytes(32).toString('hex')] as const))
  return { byAgent, byToken: new Map([...byAgent].map(([agent, token]) => [token, agent] as const)) }
}

/** Turns an envelope into the handler request agents receive. */
export function messageRequest(envelope: MessageEnvelope, timeoutMs: number, topic?: string): MessageRequest {
  return {
    type: 'message',
    ...(topic != null ? { topic } : {}),
    messageType: envelope.type,
    messageId: envelope.id,
    payload: envelope.payload,
    from: envelope.from.node,
    ...(envelope.from.agent != null ? { fromAgent: envelope.from.agent } : {}),
    ...(envelope.correlationId != null ? { correlationId: envelope.correlationId } : {}),
    timestamp: envelope.timestamp,
    deadline: Date.now() + timeoutMs
  }
}

/** Direct sends: the envelope goes to the named local agent, and its handler's reply is the acknowledgement's. */
export function directDelivery(runtime: AgentRuntime): DirectDelivery {
  return async (agent, envelope, timeoutMs) => {
    if (!runtime.list().some((a) => a.name === agent))
      return {
        delivered: false,
        code: 'unknown_agent',
        message: `no agent named "${agent}" runs on this node`
      }
    try {
      return { delivered: true, reply: await runtime.ask(agent, messageRequest(envelope, timeoutMs)) }
    } catch (err) {
      return {
        delivered: false,
        code: 'agent_failed',
        message: `agent ${agent} failed on the message: ${(err as Error).message}`
      }
    }
  }
}

/**
 * Subscribes every agent to the topics in its spec and hands it each
 * message as a `message` request. Each agent has a bounded lane: a few
 * messages in flight, a bounded queue, and the rest dropped with a warning,
 * so a busy topic cannot fork a process per message without limit. An agent
 * does not hear what it published itself.
 */
export function subscribeAgents(init: AgentTopicsInit): () => void {
  const subscriptions: Subscription[] = []
  const concurrency = init.concurrency ?? 4
  const maxQueued = init.maxQueued ?? 256
  const timeoutMs = init.timeoutMs ?? 30_000
  for (const spec of init.agents) {
    if (spec.topics == null || spec.topics.length === 0) continue
    const agent = spec.name
    const log = init.log.child({ agent })
    const queue: Array<() => Promise<void>> = []
    let running = 0
    const pump = (): void => {
      while (running < concurrency) {
        const job = queue.shift()
        if (job === undefined) return
        running++
        void job().finally(() => {
          running--
          pump()
        })
      }
    }
    for (const topic of spec.topics) {
      const handle = (envelope: MessageEnvelope): void => {
        if (envelope.from.node === init.selfPeerId && envelope.from.agent === agent) return
        if (queue.length >= maxQueued) {
          log.warn({ topic, messageId: envelope.id }, 'agent is behind on its topics; message dropped')
          return
        }
        queue.push(async () => {
          try {
            await init.runtime.ask(agent, messageRequest(envelope, timeoutMs, topic))
          } catch (err) {
            log.warn(
              { topic, messageId: envelope.id, err: (err as Error).message },
              'agent failed on a message'
            )
          }
        })
        pump()
      }
      try {
        subscriptions.push(init.messaging.subscribe(topic, handle))
      } catch (err) {
        if (err instanceof MessagingError)
          throw new DaemonError(`agent ${agent}: topics: ${err.message}`, 'agent_topics')
        throw err
      }
    }
  }
  return () => {
    for (const s of subscriptions) s.unsubscribe()
  }
}
