import { DeliveryAckSchema, ResultDeliverySchema, type TaskResultMessage } from '@mesh-node/protocol'
import { defineMessage, type Handler, type ReplyOf, type RequestOf } from '@mesh-node/rpc'

/** An executor pushing a result the origin missed while it was away. */
export const resultDelivery = defineMessage(
  'result_delivery',
  'delivery_ack',
  ResultDeliverySchema,
  DeliveryAckSchema
)

/** `accept` returns whether the origin knows the task. */
export function resultDeliveryHandler(
  accept: (result: Omit<TaskResultMessage, 'type' | 'id'>, from: string) => Promise<boolean>
): Handler<RequestOf<typeof resultDelivery>, ReplyOf<typeof resultDelivery>> {
  return async (msg, remote) => ({
    type: 'delivery_ack',
    id: msg.id,
    taskId: msg.result.taskId,
    known: await accept(msg.result, remote.toString())
  })
}
