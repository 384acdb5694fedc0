import {
  DEFAULTS,
  ENVELOPE_VERSION,
  INTERNAL_PREFIX,
  TOPIC_NAME_PATTERN,
  USER_TOPIC_PREFIX
} from './constants.js'
import { MessagingError } from './errors.js'

/** Where a message is addressed: everyone on the topic, or one agent (optionally on one node). */
export type MessageTarget = 'broadcast' | { agent: string; node?: string }

/**
 * One user message, as it travels in the data of a gossipsub message and
 * in replay answers. The gossipsub signature (StrictSign) covers these bytes
 * and names the signing peer; `from.node` must be that peer.
 */
export interface MessageEnvelope {
  v: typeof ENVELOPE_VERSION
  /** Unique per message; subscribers see each id at most once. */
  id: string
  /** What kind of message: `message` unless the sender says otherwise. */
  type: string
  /** The user topic name, without the namespace prefix; absent on a direct send. */
  topic?: string
  from: { node: string; agent?: string }
  to: MessageTarget
  payload: unknown
  /** Sender's clock, ms since the epoch. */
  timestamp: number
  correlationId?: string
}

const TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/
const MAX_ID = 128
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Checks a user topic name and returns it; internal and malformed names are refused with what to do instead. */
export function checkTopicName(name: unknown): string {
  if (typeof name !== 'string' || name === '')
    throw new MessagingError('a topic name is required, e.g. "alerts"', 'bad_topic')
  if (name.startsWith(INTERNAL_PREFIX) || name.startsWith('_'))
    throw new MessagingError(
      `topic "${name}" is internal to the mesh and cannot be used; user topics are plain names like "alerts" (they live under ${USER_TOPIC_PREFIX})`,
      'internal_topic'
    )
  if (!TOPIC_NAME_PATTERN.test(name))
    throw new MessagingError(
      `topic "${name.slice(0, 140)}" is not a valid name: use 1-128 letters, digits, ".", "_", "-" or ":", starting with a letter or digit`,
      'bad_topic'
    )
  return name
}

/** The gossipsub topic of a user topic name. */
export const gossipTopic = (name: string): string => USER_TOPIC_PREFIX + name

/** The user topic name of a gossipsub topic, or undefined when it is not a user topic. */
export function userTopicOf(gossip: string): string | undefined {
  if (!gossip.startsWith(USER_TOPIC_PREFIX)) return undefined
  const name = gossip.slice(USER_TOPIC_PREFIX.length)
  return TOPIC_NAME_PATTERN.test(name) && !name.startsWith(INTERNAL_PREFIX) ? name : undefined
}

/** Encodes an envelope, refusing one over the size bound with its size and the bound. */
export function encodeEnvelope(
  envelope: MessageEnvelope,
  maxBytes: number = DEFAULTS.maxMessageBytes
): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(envelope))
  if (bytes.length > maxBytes)
    throw new MessagingError(
      `message is ${bytes.length} bytes encoded, over the limit of ${maxBytes}; send a smaller payload (or a reference to the data)`,
      'message_too_large'
    )
  return bytes
}

/** Decodes and validates received bytes; `signer` is the peer that signed them. */
export function decodeEnvelope(
  bytes: Uint8Array,
  expect: { topic: string; signer: string; maxBytes?: number }
): MessageEnvelope {
  const max = expect.maxBytes ?? DEFAULTS.maxMessageBytes
  if (bytes.length > max) throw bad(`message of ${bytes.length} bytes is over the limit of ${max}`)
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch (err) {
    throw bad(`message is not UTF-8 JSON: ${(err as Error).message}`)
  }
  const envelope = checkEnvelope(value)
  if (envelope.topic !== expect.topic)
    throw bad(`envelope names topic "${envelope.topic}" but arrived on "${expect.topic}"`)
  if (envelope.from.node !== expect.signer)
    throw bad(`envelope claims to be from ${envelope.from.node} but was signed by ${expect.signer}`)
  return envelope
}

/** Structural check of an envelope; every field is bounded. */
export function checkEnvelope(value: unknown): MessageEnvelope {
  if (!isObject(value)) throw bad('message is not a JSON object')
  const e = value as Record<string, unknown>
  if (e.v !== ENVELOPE_VERSION)
    throw bad(`unsupported envelope version ${String(e.v)} (expected ${ENVELOPE_VERSION})`)
  if (!shortString(e.id)) throw bad(`envelope id must be a string of 1-${MAX_ID} characters`)
  if (typeof e.type !== 'string' || !TYPE_PATTERN.test(e.type))
    throw bad('envelope type must match [A-Za-z][A-Za-z0-9._-]{0,63}')
  // Only a direct send (addressed to one agent) may go without a topic.
  const topicless = e.topic === undefined && e.to !== 'broadcast'
  if (!topicless && (typeof e.topic !== 'string' || userTopicOf(USER_TOPIC_PREFIX + e.topic) == null))
    throw bad('envelope topic is not a user topic name')
  if (
    !isObject(e.from) ||
    !shortString(e.from.node) ||
    (e.from.agent !== undefined && !shortString(e.from.agent))
  )
    throw bad('envelope from must be {node, agent?} with short strings')
  if (e.to !== 'broadcast' && !isTarget(e.to)) throw bad('envelope to must be "broadcast" or {agent, node?}')
  if (!('payload' in e)) throw bad('envelope has no payload')
  if (typeof e.timestamp !== 'number' || !Number.isFinite(e.timestamp))
    throw bad('envelope timestamp must be a number (ms)')
  if (e.correlationId !== undefined && !shortString(e.correlationId))
    throw bad(`envelope correlationId must be a string of 1-${MAX_ID} characters`)
  return e as unknown as MessageEnvelope
}

/** Checks a message type given by a sender. */
export function checkMessageType(type: unknown): string {
  if (type === undefined) return 'message'
  if (typeof type !== 'string' || !TYPE_PATTERN.test(type))
    throw new MessagingError(
      'message type must be 1-64 letters, digits, ".", "_" or "-", starting with a letter',
      'bad_message'
    )
  return type
}

function isTarget(v: unknown): v is { agent: string; node?: string } {
  return isObject(v) && shortString(v.agent) && (v.node === undefined || shortString(v.node))
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function shortString(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_ID
}

const bad = (message: string): MessagingError => new MessagingError(message, 'bad_message')
