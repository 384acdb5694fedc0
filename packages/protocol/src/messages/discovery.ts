import { type Static, Type } from '@sinclair/typebox'
import { MAX_AGENTS_PER_NODE } from '../constants.js'
import { AgentAdSchema } from './agent-ad.js'
import { Capability, Id } from './primitives.js'

/** Asking a peer which agents it has (§5.2). */

export const CapabilityQuerySchema = Type.Object({
  type: Type.Literal('capability_query'),
  id: Id,
  capability: Type.Optional(Capability)
})
export type CapabilityQueryMessage = Static<typeof CapabilityQuerySchema>

export const CapabilityReplySchema = Type.Object({
  type: Type.Literal('capability_reply'),
  id: Id,
  agents: Type.Array(AgentAdSchema, { maxItems: MAX_AGENTS_PER_NODE }),
  /** Optional behaviours this node honours, e.g. `task_target` (§6.6); absent on older nodes. */
  features: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 }))
})
export type CapabilityReplyMessage = Static<typeof CapabilityReplySchema>
