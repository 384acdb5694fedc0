import { MAX_NODE_SCHEMA_CHARS, MAX_SCHEMA_CHARS } from './constants.js'
import type { AgentAd, CapabilitySchemaInfo } from './messages/index.js'

/** What {@link boundSchemas} left out, so the caller can log and count it. */
export interface SchemaDrop {
  agent: string
  capability: string
  reason: 'too_large' | 'node_budget' | 'not_a_capability' | 'not_json'
}

/**
 * Holds the schemas of one node's announcement to the bounds of
 * docs/PROTOCOL.md §5.2: a schema whose JSON is longer than
 * MAX_SCHEMA_CHARS is left out, and once the node's schemas add up to
 * MAX_NODE_SCHEMA_CHARS, the remaining capabilities lose theirs. The agents
 * themselves are always kept: an untyped capability still runs, it is only
 * not checked at the origin. Used on both sides: the publisher trims what it
 * sends, a receiver trims what a peer sent.
 */
export function boundSchemas(ads: AgentAd[], onDrop?: (drop: SchemaDrop) => void): AgentAd[] {
  let budget = MAX_NODE_SCHEMA_CHARS
  return ads.map((ad) => {
    if (ad.schemas === undefined) return ad
    const { schemas, ...rest } = ad
    const kept: Record<string, CapabilitySchemaInfo> = {}
    for (const [capability, info] of Object.entries(schemas)) {
      const drop = (reason: SchemaDrop['reason']) => onDrop?.({ agent: ad.agent, capability, reason })
      if (!ad.capabilities.includes(capability)) {
        drop('not_a_capability')
        continue
      }
      const size = infoSize(info)
      if (size === undefined) drop('not_json')
      else if (size < 0) drop('too_large')
      else if (size > budget) drop('node_budget')
      else {
        budget -= size
        kept[capability] = info
      }
    }
    return Object.keys(kept).length > 0 ? { ...rest, schemas: kept } : rest
  })
}

/** JSON size of the entry; -1 when one schema is over its own bound, undefined when not JSON. */
function infoSize(info: CapabilitySchemaInfo): number | undefined {
  let total = (info.description ?? '').length
  for (const schema of [info.inputSchema, info.outputSchema]) {
    if (schema === undefined) continue
    let json: string | undefined
    try {
      json = JSON.stringify(schema)
    } catch {
      return undefined
    }
    if (json === undefined) return undefined
    if (json.length > MAX_SCHEMA_CHARS) return -1
    total += json.length
  }
  return total
}
