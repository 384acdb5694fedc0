import { ProbeReplySchema, ProbeRequestSchema } from '@mesh-node/protocol'
import { defineMessage, type Handler, type ReplyOf, type RequestOf } from '@mesh-node/rpc'
import type { FailureDetector } from '../failure-detector.js'

/** SWIM's ping-req: can you reach this peer? */
export const probeRequest = defineMessage(
  'probe_request',
  'probe_reply',
  ProbeRequestSchema,
  ProbeReplySchema
)

/** How long a helper tries to reach the target for the asker. */
const INDIRECT_PROBE_TIMEOUT_MS = 1000

export function probeHandler(
  detector: Pick<FailureDetector, 'probe'>
): Handler<RequestOf<typeof probeRequest>, ReplyOf<typeof probeRequest>> {
  return async (msg) => ({
    type: 'probe_reply',
    id: msg.id,
    target: msg.target,
    reachable: await detector.probe(msg.target, INDIRECT_PROBE_TIMEOUT_MS)
  })
}
