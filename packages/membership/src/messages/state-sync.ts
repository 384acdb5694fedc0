import { StateSyncReplySchema, StateSyncSchema } from '@mesh-node/protocol'
import { defineMessage, type Handler, type ReplyOf, type RequestOf } from '@mesh-node/rpc'
import type { StateGossip } from '@mesh-node/state-gossip'

/** Anti-entropy: here is what I hold; send me what is newer. */
export const stateSync = defineMessage(
  'state_sync',
  'state_sync_reply',
  StateSyncSchema,
  StateSyncReplySchema
)

export function stateSyncHandler(
  gossip: Pick<StateGossip, 'answerSync'>
): Handler<RequestOf<typeof stateSync>, ReplyOf<typeof stateSync>> {
  // `states` (unsigned) stays empty: a 1.2 node hands on signed states only (§7.2).
  return (msg) => ({
    type: 'state_sync_reply',
    id: msg.id,
    states: [],
    signed: gossip.answerSync(msg.versions)
  })
}
