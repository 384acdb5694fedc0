import { type Static, Type } from '@sinclair/typebox'
import {
  MAX_AGENTS_PER_NODE,
  MAX_NODE_NAME_LENGTH,
  MAX_SIGNED_STATE_CHARS,
  MAX_SIGNED_STATES_PER_REPLY,
  MAX_STATE_PEERS,
  NODE_NAME_PATTERN
} from '../constants.js'
import { AgentAdSchema } from './agent-ad.js'
import { EpochMs, Id, PeerIdString } from './primitives.js'

/** Membership: indirect probes (§8), node states on the state topic and anti-entropy (§7). */

/** SWIM's ping-req: "can you reach this peer?", asked of a third party. */
export const ProbeRequestSchema = Type.Object({
  type: Type.Literal('probe_request'),
  id: Id,
  target: PeerIdString
})
export type ProbeRequestMessage = Static<typeof ProbeRequestSchema>

export const ProbeReplySchema = Type.Object({
  type: Type.Literal('probe_reply'),
  id: Id,
  target: PeerIdString,
  reachable: Type.Boolean()
})
export type ProbeReplyMessage = Static<typeof ProbeReplySchema>

export const NodeStateSchema = Type.Object({
  type: Type.Literal('node_state'),
  peerId: PeerIdString,
  /** Start time of the sending process (epoch ms): a restart is a new incarnation. */
  incarnation: EpochMs,
  /** Rises with every announcement within an incarnation. */
  seq: Type.Integer({ minimum: 0 }),
  agents: Type.Array(AgentAdSchema, { maxItems: MAX_AGENTS_PER_NODE }),
  /** Optional (added compatibly): the name the node gives itself; a label, never identity. */
  name: Type.Optional(
    Type.String({ minLength: 1, maxLength: MAX_NODE_NAME_LENGTH, pattern: NODE_NAME_PATTERN.source })
  ),
  /** Optional: peers the node holds connections to (at most MAX_STATE_PEERS), for drawing the mesh. */
  peers: Type.Optional(Type.Array(PeerIdString, { maxItems: MAX_STATE_PEERS }))
})
export type NodeStateMessage = Static<typeof NodeStateSchema>

/**
 * Anti-entropy: the sender lists the (incarnation, seq) it holds for each
 * peer; the receiver answers with every state it holds that is newer or
 * missing there, so lost gossip and healed partitions converge.
 */
export const StateSyncSchema = Type.Object({
  type: Type.Literal('state_sync'),
  id: Id,
  versions: Type.Array(
    Type.Object({ peerId: PeerIdString, incarnation: EpochMs, seq: Type.Integer({ minimum: 0 }) }),
    { maxItems: 1024 }
  )
})
export type StateSyncMessage = Static<typeof StateSyncSchema>

/**
 * A node_state as its subject published it on the state topic, with the
 * subject's gossipsub signature (StrictSign): anyone can check it against
 * the peer id inside, so a relay cannot forge or alter it (§7.2).
 */
export const SignedStateSchema = Type.Object({
  /** Base64 of the message data exactly as published: the node_state JSON. */
  data: Type.String({ minLength: 1, maxLength: MAX_SIGNED_STATE_CHARS, pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
  /** The gossipsub seqno it was signed with: 8 bytes, big-endian, as 16 hex digits. */
  seqno: Type.String({ pattern: '^[0-9a-f]{16}$' }),
  /** Base64 of the signature over `libp2p-pubsub:` + the protobuf Message {from, data, seqno, topic}. */
  signature: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z0-9+/]*={0,2}$' })
})
export type SignedState = Static<typeof SignedStateSchema>

export const StateSyncReplySchema = Type.Object({
  type: Type.Literal('state_sync_reply'),
  id: Id,
  /** Unsigned states: what nodes before message set 1.2 send. A 1.2 node sends none and believes none. */
  states: Type.Array(NodeStateSchema, { maxItems: 1024 }),
  /** Optional (message set 1.2): the states, each signed by its subject. */
  signed: Type.Optional(Type.Array(SignedStateSchema, { maxItems: MAX_SIGNED_STATES_PER_REPLY }))
})
export type StateSyncReplyMessage = Static<typeof StateSyncReplySchema>
