import { CancelAckSchema, TaskCancelSchema } from '@mesh-node/protocol'
import { defineMessage, type Handler, type ReplyOf, type RequestOf } from '@mesh-node/rpc'
import type { CancelTable } from '../cancels.js'

/** The origin (or the forwarder it sent the task through) stopping a task. */
export const taskCancel = defineMessage('task_cancel', 'cancel_ack', TaskCancelSchema, CancelAckSchema)

export function taskCancelHandler(
  cancels: Pick<CancelTable, 'cancel'>
): Handler<RequestOf<typeof taskCancel>, ReplyOf<typeof taskCancel>> {
  return (msg, remote) => ({
    type: 'cancel_ack',
    id: msg.id,
    taskId: msg.taskId,
    status: cancels.cancel(msg, remote.toString())
  })
}
