/**
 * Wire identifiers and limits of user messaging. docs/PROTOCOL.md
 * ("User topics") documents each one; change both together.
 */

/** Every user topic is this prefix plus the user's name for it, e.g. `agent-mesh/user/1/alerts`. */
export const USER_TOPIC_PREFIX = 'agent-mesh/user/1/'

/** Prefix of the mesh's own topics and protocols; no user topic may be named after it. */
export const INTERNAL_PREFIX = 'agent-mesh/'

/** Replay protocol: a new subscriber asks a peer for what it published on a topic lately. */
export const REPLAY_PROTOCOL = '/agent-mesh/topics/1.0.0'

/** Envelope schema version carried in `v`. */
export const ENVELOPE_VERSION = 1

/** A user topic name: letters, digits, `.`, `_`, `-` and `:`; starts with a letter or digit. */
export const TOPIC_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/

export const DEFAULTS = {
  /** Largest encoded envelope, in bytes. */
  maxMessageBytes: 64 * 1024,
  /** Messages per second a publisher may sustain (token bucket), local or remote. */
  publishRatePerSecond: 200,
  /** Burst allowed above the sustained rate. */
  publishBurst: 400,
  /** Topics this node may be subscribed to at once. */
  maxTopics: 256,
  /** Local subscribers (streams, agents) per topic. */
  maxSubscribersPerTopic: 64,
  /** Own publications kept per topic for replay. */
  replayMessages: 256,
  /** Bytes of own publications kept per topic for replay. */
  replayBytes: 1024 * 1024,
  /** Longest replay window a subscriber may ask for. */
  maxReplayMs: 10 * 60 * 1000,
  /** How long a replay answer waits for gossipsub to learn of the asker's subscription. */
  replaySubscriptionWaitMs: 3000,
  /** Deadline of one replay request: past the answerer's wait for the subscription. */
  replayTimeoutMs: 5000,
  /** Peers asked for a replay at once. */
  replayFanout: 64,
  /** Message ids one subscriber remembers while replays may bring copies (at most once delivery). */
  seenIds: 4096,
  /** Publishers whose rate is tracked; the least recent is forgotten first. */
  trackedPublishers: 4096
} as const
