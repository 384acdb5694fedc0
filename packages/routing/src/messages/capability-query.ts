import { CapabilityQuerySchema, CapabilityReplySchema } from '@mesh-node/protocol'
import { defineMessage, type Handler, type ReplyOf, type RequestOf } from '@mesh-node/rpc'
import type { Discovery } from '../discovery.js'

/** Which agents do you run (for this capability)? */
export const capabilityQuery = defineMessage(
  'capability_query',
  'capability_reply',
  CapabilityQuerySchema,
  CapabilityReplySchema
)

export function capabilityQueryHandler(
  discovery: Pick<Discovery, 'capabilityReply'>
): Handler<RequestOf<typeof capabilityQuery>, ReplyOf<typeof capabilityQuery>> {
  return (query) => discovery.capabilityReply(query)
}
