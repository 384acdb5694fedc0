import { checkEnvelope, type MessageEnvelope } from './envelope.js'

/** A message for one agent on the answering node, straight over `/agent-mesh/topics/1.0.0`. */
export interface SendRequest {
  type: 'send'
  envelope: MessageEnvelope
  /** How long the sender waits for the agent's handler. */
  timeoutMs: number
}

/** The acknowledgement: the agent's handler ran (with its reply), or why not. */
export type SendAck =
  | { type: 'send_ack'; delivered: true; agent: string; reply: unknown }
  | {
      type: 'send_ack'
      delivered: false
      code: 'unknown_agent' | 'agent_failed' | 'bad_message'
      message: string
    }

/**
 * Hands an envelope to a local agent and resolves with its handler's reply.
 * The daemon provides it (it owns the agents); without one, every send is
 * answered `unknown_agent`.
 */
export type DirectDelivery = (
  agent: string,
  envelope: MessageEnvelope,
  timeoutMs: number
) => Promise<
  | { delivered: true; reply: unknown }
  | { delivered: false; code: 'unknown_agent' | 'agent_failed'; message: string }
>

/** Longest a sender may ask the answering node to wait for its agent. */
export const MAX_SEND_TIMEOUT_MS = 5 * 60 * 1000

/** Validates a send request from `sender`; throws a message the ack carries back. */
export function parseSendRequest(value: unknown, sender: string): SendRequest {
  const r = value as Partial<SendRequest> | null
  const envelope = checkEnvelope(r?.envelope)
  if (envelope.to === 'broadcast')
    throw new Error('a send must be addressed to one agent: to = {agent, node}')
  if (envelope.from.node !== sender)
    throw new Error(`envelope claims to be from ${envelope.from.node} but came from ${sender}`)
  const timeoutMs = r?.timeoutMs
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0 && timeoutMs <= MAX_SEND_TIMEOUT_MS))
    throw new Error(`send timeoutMs must be between 1 and ${MAX_SEND_TIMEOUT_MS}`)
  return { type: 'send', envelope, timeoutMs }
}
