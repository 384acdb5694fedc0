import type { PeerId } from '@libp2p/interface'
import { defineMessage, type Handler, type ReplyOf, type RequestOf } from '@mesh-node/rpc'
import { Type } from '@sinclair/typebox'
import { type DirectDelivery, MAX_SEND_TIMEOUT_MS, parseDirectEnvelope } from '../direct.js'

const Id = Type.String({ minLength: 1, maxLength: 64 })

/** `mesh-node send`: one envelope for one agent, on the task protocol (docs/PROTOCOL.md §13.6). */
export const AgentMessageSchema = Type.Object({
  type: Type.Literal('agent_message'),
  id: Id,
  /** How long the sender waits for the agent's handler. */
  timeoutMs: Type.Integer({ minimum: 1, maximum: MAX_SEND_TIMEOUT_MS }),
  /** An envelope of §13.2 addressed to one agent; checked field by field, at most 64 KiB encoded. */
  envelope: Type.Unknown()
})

/** The acknowledgement, sent once the agent's handler has returned (or why it was not run). */
export const AgentMessageAckSchema = Type.Object({
  type: Type.Literal('agent_message_ack'),
  id: Id,
  delivered: Type.Boolean(),
  agent: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** With delivered: the handler's return value (null when it answered nothing). */
  reply: Type.Optional(Type.Unknown()),
  /** Without: `unknown_agent`, `agent_failed` or `bad_message`. */
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  message: Type.Optional(Type.String({ maxLength: 8192 }))
})

export const agentMessage = defineMessage(
  'agent_message',
  'agent_message_ack',
  AgentMessageSchema,
  AgentMessageAckSchema
)

export type AgentMessageAck = ReplyOf<typeof agentMessage>

/** Hands the envelope to the named local agent; `maxBytes` bounds it as gossip does. */
export function agentMessageHandler(
  deliver: DirectDelivery,
  maxBytes: number
): Handler<RequestOf<typeof agentMessage>, AgentMessageAck> {
  return async (msg, remote: PeerId) => {
    const ack = { type: 'agent_message_ack' as const, id: msg.id }
    let direct: ReturnType<typeof parseDirectEnvelope>
    try {
      direct = parseDirectEnvelope(msg.envelope, remote.toString(), maxBytes)
    } catch (err) {
      return { ...ack, delivered: false, code: 'bad_message', message: (err as Error).message.slice(0, 8000) }
    }
    const { agent, envelope } = direct
    const outcome = await deliver(agent, envelope, msg.timeoutMs)
    return outcome.delivered
      ? { ...ack, delivered: true, agent, reply: outcome.reply ?? null }
      : { ...ack, delivered: false, agent, code: outcome.code, message: outcome.message.slice(0, 8000) }
  }
}
