/**
 * Every identifier another implementation needs to interoperate with a
 * mesh-node peer. docs/PROTOCOL.md documents each one; change both together.
 */

/** Kademlia DHT protocol id; a mesh of its own, apart from the public IPFS DHT. */
export const DHT_PROTOCOL = '/agent-mesh/kad/1.0.0'

/** Default mDNS service name; `--mdns-tag foo` becomes `_foo._udp.local`. */
export const DEFAULT_MDNS_SERVICE_TAG = '_agent-mesh._udp.local'

/** Turns a user-facing mesh tag into an mDNS service name. */
export function mdnsServiceTag(tag: string): string {
  return tag.endsWith('.local') ? tag : `_${tag}._udp.local`
}

/** A user-facing mDNS tag: letters, digits and dashes, as DNS labels allow. */
export const MDNS_TAG_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/**
 * Task protocol: long-lived, multiplexed request/response sessions. 1.1.0
 * adds `task_piece` (streamed progress and partial results, §5.6).
 */
export const TASK_PROTOCOL = '/agent-mesh/task/1.1.0'

/** The first published task protocol, still served and dialled as a fallback: it lacks only `task_piece`. */
export const LEGACY_TASK_PROTOCOL = '/agent-mesh/task/1.0.0'

/** Every task protocol id this node serves, newest first (the order it dials them in). */
export const TASK_PROTOCOLS: readonly string[] = [TASK_PROTOCOL, LEGACY_TASK_PROTOCOL]

/** Gossipsub topic carrying each node's signed agent state. */
export const STATE_TOPIC = 'agent-mesh/state/1'

/** Prefix hashed with a capability name to make its DHT key. */
export const CAPABILITY_NAMESPACE = 'agent-mesh/capability/'

/** Largest frame body on any mesh stream; larger frames reset the stream. */
export const MAX_FRAME_BYTES = 1024 * 1024

/** Most times a task may be forwarded before it must run or fail. */
export const MAX_HOPS = 4

/** Longest deadline a peer may ask for, from now. */
export const MAX_TASK_TIMEOUT_MS = 10 * 60 * 1000

/** Most agents one node may advertise. */
export const MAX_AGENTS_PER_NODE = 256

/** Most requests one session may have in flight at the receiver. */
export const MAX_INFLIGHT_PER_SESSION = 1024

/** Most requests one peer may have in flight at a node, over all its sessions (past it: `too_many_requests`). */
export const MAX_INFLIGHT_PER_PEER = 1024

/** Most request bytes (frame bodies) one peer may have in flight at a node, over all its sessions. */
export const MAX_INFLIGHT_BYTES_PER_PEER = 64 * 1024 * 1024

/** Replies a session may hold for a peer that does not read them before it stops reading that peer's requests. */
export const MAX_QUEUED_REPLIES = 256

/** Reply bytes a session may hold for a peer that does not read them before it stops reading. */
export const MAX_QUEUED_REPLY_BYTES = 8 * 1024 * 1024

/** Gossipsub topic carrying calls for bids; bids come back directly on the task protocol. */
export const AUCTION_TOPIC = 'agent-mesh/auction/1'

/** Most agents asked in one vote, brainstorm or critique round, and most bids kept per auction. */
export const MAX_ROUND_PARTICIPANTS = 64

/** Most options in a vote, and most ideas carried through a critique. */
export const MAX_OPTIONS = 32

/** Longest node name (UTF-16 code units). Names are labels a peer picks for itself, never identity. */
export const MAX_NODE_NAME_LENGTH = 64

/**
 * A node name: 1–64 printable characters, no control characters, no
 * bidirectional overrides (which could make one name display as another).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse control characters
export const NODE_NAME_PATTERN = /^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]{1,64}$/

/** W3C trace context (version 00): `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. */
export const TRACEPARENT_PATTERN = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/

/** Most hop spans a task_result carries back: one per node after the origin. */
export const MAX_TRACE_SPANS = MAX_HOPS + 1

/** Most signed states in one state_sync_reply. */
export const MAX_SIGNED_STATES_PER_REPLY = 1024

/** Longest base64 `data` of one signed state (a node_state of up to 384 KiB of JSON). */
export const MAX_SIGNED_STATE_CHARS = 512 * 1024

/** Most peers one node's anti-entropy replies may introduce (peers this node has not heard from itself). */
export const MAX_RELAYED_PEERS_PER_SOURCE = 16

/**
 * Most peers one gossipsub forwarder may have brought this node news of that
 * it has not verified itself yet (§7.1): gossip from a peer first heard of
 * is probed before it is believed (§8.1), and past this many such peers
 * pending per forwarder, more new ones through it are ignored.
 */
export const MAX_PENDING_PEERS_PER_FORWARDER = 64

/** Most peers a node holds states of, its own included: its own state_sync lists each, so it stays within the schema. */
export const MAX_KNOWN_STATES = 1024

/** Most connected peers one node_state lists, so the graph of other nodes stays bounded. */
export const MAX_STATE_PEERS = 64

/** Longest JSON of one capability's `inputSchema` or `outputSchema`, in characters. */
export const MAX_SCHEMA_CHARS = 16 * 1024

/** Most JSON characters of all the schemas in one node's announcement (node_state, capability_reply). */
export const MAX_NODE_SCHEMA_CHARS = 128 * 1024

/** Longest JSON of one streamed piece's `data`, in characters. */
export const MAX_PIECE_CHARS = 16 * 1024

/** Most pieces one task may send per second (burst: twice that); the excess is dropped. */
export const MAX_PIECES_PER_TASK_PER_S = 50

/** Most pieces a node accepts from one peer per second, over all its tasks (burst: twice that). */
export const MAX_PIECES_PER_PEER_PER_S = 200
