import { checkEnvelope, encodeEnvelope, type MessageEnvelope } from './envelope.js'

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

/**
 * Checks a directly sent envelope from `sender`: every field as on a topic
 * (§13.2), at most `maxBytes` encoded, addressed to one agent, and from the
 * peer the connection authenticates. Throws a message the ack carries back.
 */
export function parseDirectEnvelope(
  value: unknown,
  sender: string,
  maxBytes: number
): { envelope: MessageEnvelope; agent: string } {
  const envelope = checkEnvelope(value)
  encodeEnvelope(envelope, maxBytes)
  if (envelope.to === 'broadcast')
    throw new Error('a send must be addressed to one agent: to = {agent, node}')
  if (envelope.from.node !== sender)
    throw new Error(`envelope claims to be from ${envelope.from.node} but came from ${sender}`)
  return { envelope, agent: envelope.to.agent }
}
