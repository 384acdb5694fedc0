import { type Static, Type } from '@sinclair/typebox'
import { AgentName, Capability } from './primitives.js'

/** What a node says about each of its agents: in capability replies and node states. */

/**
 * What a capability declares about itself: a description and JSON Schemas of
 * its task input and result. Optional (added after 1.0.0 as optional fields);
 * their size is bounded by `boundSchemas` (schema-bounds.ts), not here.
 */
export const CapabilitySchemaInfoSchema = Type.Object({
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  inputSchema: Type.Optional(Type.Unknown()),
  outputSchema: Type.Optional(Type.Unknown())
})
export type CapabilitySchemaInfo = Static<typeof CapabilitySchemaInfoSchema>

export const AgentAdSchema = Type.Object({
  agent: AgentName,
  capabilities: Type.Array(Capability, { minItems: 1, maxItems: 64 }),
  capacity: Type.Integer({ minimum: 1, maximum: 1024 }),
  running: Type.Integer({ minimum: 0, maximum: 1024 }),
  /** Capability name to its schemas; only capabilities of this agent that declare any. */
  schemas: Type.Optional(Type.Record(Capability, CapabilitySchemaInfoSchema, { maxProperties: 64 }))
})
export type AgentAd = Static<typeof AgentAdSchema>
