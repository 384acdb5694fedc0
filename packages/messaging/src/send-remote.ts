import type { PeerId } from '@libp2p/interface'
import { RemoteProtocolError, type Rpc, TransportError } from '@mesh-node/rpc'
import type { MessageEnvelope } from './envelope.js'
import { MessagingError } from './errors.js'
import { agentMessage } from './messages/agent-message.js'

export type SendCode = 'unknown_agent' | 'agent_failed' | 'bad_message'
export type SendOutcome =
  | { delivered: true; reply: unknown }
  | { delivered: false; code: SendCode; message: string }

/** The refusals an ack may carry; anything else a peer says counts as agent_failed. */
const SEND_CODES: ReadonlySet<string> = new Set(['unknown_agent', 'agent_failed', 'bad_message'])

/** A peer's `error` answer to an agent_message, as a send's code (e.g. reply_too_large: agent_failed). */
const REMOTE_ERRORS: Record<string, 'peer_unsupported' | 'bad_message'> = {
  unknown_type: 'peer_unsupported',
  invalid_message: 'bad_message'
}

/**
 * One agent_message on the warm session to `peer`, and its ack. The ack
 * comes after the agent's handler, so the request waits `timeoutMs` plus
 * `tripMs` for the way there and back.
 */
export async function sendRemote(
  rpc: Pick<Rpc, 'request'> | undefined,
  peer: PeerId,
  envelope: MessageEnvelope,
  timeoutMs: number,
  tripMs: number
): Promise<SendOutcome> {
  const who = peer.toString()
  if (rpc == null) throw new MessagingError('this node has no task protocol to send on', 'peer_unreachable')
  try {
    const ack = await rpc.request(
      agentMessage,
      peer,
      { envelope, timeoutMs },
      { timeoutMs: timeoutMs + tripMs }
    )
    if (ack.delivered) return { delivered: true, reply: ack.reply ?? null }
    const code = SEND_CODES.has(ack.code ?? '') ? (ack.code as SendCode) : 'agent_failed'
    return { delivered: false, code, message: ack.message ?? 'not delivered' }
  } catch (err) {
    const message = (err as Error).message
    if (err instanceof TransportError && err.code === 'timeout')
      throw new MessagingError(`peer ${who} did not acknowledge within ${timeoutMs} ms`, 'send_timeout')
    if (err instanceof RemoteProtocolError)
      throw new MessagingError(
        `peer ${who} refused the message (${err.code}: ${message}); a node older than agent_message cannot take sends`,
        REMOTE_ERRORS[err.code] ?? 'agent_failed'
      )
    throw new MessagingError(`cannot reach peer ${who}: ${message}`, 'peer_unreachable')
  }
}
