import { ResultAckReplySchema, ResultAckSchema } from '@mesh-node/protocol'
import { defineMessage, type Handler, type ReplyOf, type RequestOf } from '@mesh-node/rpc'
import type { ResultAcks } from '../result-acks.js'

/** A requester's word that it read a final task_result (message set 1.6). */
export const resultAck = defineMessage(
  'result_ack',
  'result_ack_reply',
  ResultAckSchema,
  ResultAckReplySchema
)

export function resultAckHandler(
  acks: Pick<ResultAcks, 'receive'>
): Handler<RequestOf<typeof resultAck>, ReplyOf<typeof resultAck>> {
  return (msg, remote) => acks.receive(msg.taskId, remote.toString(), msg.id)
}
