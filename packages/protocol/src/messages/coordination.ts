import { type Static, Type } from '@sinclair/typebox'
import { MAX_OPTIONS } from '../constants.js'
import { AgentName, Capability, EpochMs, ErrorInfo, Id, PeerIdString, Text } from './primitives.js'

/** Coordination: questions to one agent (votes, brainstorms, critiques, bids) and auctions (§5.5). */

/** The questions one agent can be asked directly (votes, brainstorms, critiques, bids). */
export const AgentQuestionSchema = Type.Union([
  Type.Object({
    type: Type.Literal('consensus_vote'),
    question: Text(2000),
    options: Type.Array(Text(2000), { minItems: 1, maxItems: MAX_OPTIONS })
  }),
  Type.Object({ type: Type.Literal('brainstorm'), problem: Text(8000) }),
  Type.Object({
    type: Type.Literal('critique'),
    problem: Text(8000),
    ideas: Type.Array(Text(2000), { maxItems: MAX_OPTIONS })
  }),
  Type.Object({
    type: Type.Literal('bid_request'),
    capability: Capability,
    input: Type.Unknown(),
    score: Type.Number({ minimum: 0, maximum: 1 })
  })
])
export type AgentQuestion = Static<typeof AgentQuestionSchema>

export const AgentAskSchema = Type.Object({
  type: Type.Literal('agent_ask'),
  id: Id,
  /** The round this question belongs to; the same on every question of the round. */
  correlationId: Id,
  agent: AgentName,
  deadline: EpochMs,
  question: AgentQuestionSchema
})
export type AgentAskMessage = Static<typeof AgentAskSchema>

export const AgentAnswerSchema = Type.Object({
  type: Type.Literal('agent_answer'),
  id: Id,
  agent: AgentName,
  answer: Type.Optional(Type.Unknown()),
  error: Type.Optional(ErrorInfo)
})
export type AgentAnswerMessage = Static<typeof AgentAnswerSchema>

/** A bid, sent straight to the auctioneer in answer to a call_for_bids. */
export const BidSchema = Type.Object({
  type: Type.Literal('bid'),
  id: Id,
  correlationId: Id,
  agent: AgentName,
  /** The bidder's offer in [0, 1]: capability match times free capacity, possibly adjusted by its handler. */
  score: Type.Number({ minimum: 0, maximum: 1 }),
  running: Type.Integer({ minimum: 0, maximum: 1024 }),
  capacity: Type.Integer({ minimum: 1, maximum: 1024 })
})
export type BidMessage = Static<typeof BidSchema>

export const BidAckSchema = Type.Object({
  type: Type.Literal('bid_ack'),
  id: Id,
  correlationId: Id,
  /** false for an unknown or closed auction, or a duplicate bid. */
  accepted: Type.Boolean()
})
export type BidAckMessage = Static<typeof BidAckSchema>

/** Published on AUCTION_TOPIC by the auctioneer (StrictSign: the signer must be `auctioneer`). */
export const CallForBidsSchema = Type.Object({
  type: Type.Literal('call_for_bids'),
  correlationId: Id,
  auctioneer: PeerIdString,
  capability: Capability,
  /** The task input, when it is small enough to share (at most 64 KiB as JSON). */
  input: Type.Optional(Type.Unknown()),
  deadline: EpochMs
})
export type CallForBidsMessage = Static<typeof CallForBidsSchema>
