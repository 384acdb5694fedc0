/**
 * @packageDocumentation
 *
 * User messaging for mesh-node: topics on gossipsub in a namespace of their
 * own (`agent-mesh/user/1/<name>`, apart from the mesh's internal topics),
 * a JSON envelope authenticated by gossipsub's StrictSign signature, bounded
 * validation, per-publisher rate limits, and a replay protocol that closes
 * gossipsub's blind window right after a subscribe.
 *
 * Semantics: at most once per subscriber; a message reaches every node that
 * was subscribed and connected to the publisher when it was published,
 * including in the first second after subscribing. No history unless a
 * subscriber asks for `sinceMs`, served from each publisher's bounded buffer
 * of its own recent publications.
 *
 * @example
 * ```ts
 * import { messaging } from '@mesh-node/messaging'
 *
 * const bus = messaging({ maxMessageBytes: 16 * 1024 })({ libp2p, pubsub: libp2p.services.pubsub, log })
 * await bus.start()
 * const sub = bus.subscribe('alerts', (m) => console.log(m.from.node, m.payload))
 * await bus.publish('alerts', { level: 'high' })
 * sub.unsubscribe()
 * ```
 */

import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import type { Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import type { DEFAULTS } from './constants.js'
import type { DirectDelivery } from './direct.js'
import type { MessageEnvelope, MessageTarget } from './envelope.js'
import { GossipMessaging } from './messaging.js'

export {
  DEFAULTS as MESSAGING_DEFAULTS,
  ENVELOPE_VERSION,
  INTERNAL_PREFIX,
  REPLAY_PROTOCOL,
  TOPIC_NAME_PATTERN,
  USER_TOPIC_PREFIX
} from './constants.js'
export { type DirectDelivery, MAX_SEND_TIMEOUT_MS } from './direct.js'
export {
  checkEnvelope,
  checkTopicName,
  encodeEnvelope,
  gossipTopic,
  type MessageEnvelope,
  type MessageTarget
} from './envelope.js'
export { MessagingError } from './errors.js'
export { type AgentMessageAck, agentMessage } from './messages/agent-message.js'

/** Receives each message once; a thrown error or rejected promise is logged, never fatal. */
export type MessageHandler = (message: MessageEnvelope) => void | Promise<void>

export interface PublishOptions {
  /** Envelope `type`. @default 'message' */
  type?: string
  /** The local agent publishing, recorded as `from.agent`. */
  agent?: string
  /** @default 'broadcast' */
  to?: MessageTarget
  correlationId?: string
}

export interface PublishResult {
  id: string
  topic: string
  timestamp: number
  /** Peers gossipsub sent the message to directly. */
  peers: number
  /** Subscribers on this node that received it. */
  localSubscribers: number
}

export interface SendOptions {
  /** Envelope `type`. @default 'message' */
  type?: string
  /** The local agent sending, recorded as `from.agent`. */
  agent?: string
  correlationId?: string
  /** How long to wait for the agent's handler. @default 30000 */
  timeoutMs?: number
}

export interface SendResult {
  id: string
  agent: string
  node: string
  /** What the agent's handler returned (null when it answered nothing). */
  reply: unknown
}

export interface SubscribeOptions {
  /** Also deliver what connected peers published this many ms before the subscribe (bounded). @default 0 */
  sinceMs?: number
}

export interface Subscription {
  readonly topic: string
  /** Resolves once connected peers have answered the replay, with how many messages it brought. */
  readonly replayed: Promise<number>
  unsubscribe(): void
}

export interface Messaging {
  /** Publishes to a user topic; refuses internal or malformed names, oversized messages and floods. */
  publish(topic: string, payload: unknown, options?: PublishOptions): Promise<PublishResult>
  /**
   * Delivers a message straight to one agent on one node and waits for the
   * acknowledgement (after its handler ran). Fails with `unknown_agent`,
   * `agent_failed`, `bad_message`, `peer_unreachable`, `peer_unsupported` or
   * `send_timeout`. It travels as `agent_message` on the task protocol.
   */
  send(target: { agent: string; node: string }, payload: unknown, options?: SendOptions): Promise<SendResult>
  /** Follows a user topic on this node; handlers run for local publications too. */
  subscribe(topic: string, handler: MessageHandler, options?: SubscribeOptions): Subscription
  /** Topics followed here, with local subscribers and known remote subscriber peers. */
  topics(): Array<{ topic: string; subscribers: number; peers: number }>
  start(): Promise<void>
  stop(): Promise<void>
}

/** Every limit; all optional, defaults in {@link MESSAGING_DEFAULTS}. */
export type MessagingInit = Partial<{ -readonly [K in keyof typeof DEFAULTS]: number }>

export interface MessagingComponents {
  /** Handles and dials the replay protocol; `getPeers` picks who to ask, `peer:connect` whom to catch up with. */
  libp2p: Pick<
    Libp2p,
    | 'peerId'
    | 'handle'
    | 'unhandle'
    | 'dialProtocol'
    | 'getPeers'
    | 'addEventListener'
    | 'removeEventListener'
  >
  pubsub: GossipSub
  log: Logger
  /** Hands direct sends to local agents; absent, every send here is answered `unknown_agent`. */
  deliverDirect?: DirectDelivery
  /** The task protocol, which carries sends (`agent_message`); absent, this node neither sends nor takes them. */
  rpc?: Pick<Rpc, 'handle' | 'unhandle' | 'request'>
}

export function messaging(init: MessagingInit = {}): (components: MessagingComponents) => Messaging {
  return (components) => new GossipMessaging(components, init)
}
