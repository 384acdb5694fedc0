import {
  type TaskRequestMessage,
  TaskRequestSchema,
  type TaskResultMessage,
  TaskResultSchema
} from '@mesh-node/protocol'
import type { HandleOptions, Handler, RequestOf } from '@mesh-node/rpc'
import { defineMessage } from '@mesh-node/rpc'
import type { ResultAcks } from '@mesh-node/task-relay'
import type { Receiver } from '../receiver.js'

/** Run (or forward) this task; answered with its result. */
export const taskRequest = defineMessage('task_request', 'task_result', TaskRequestSchema, TaskResultSchema)

export function taskRequestHandler(
  receiver: Pick<Receiver, 'handleRequest'>
): Handler<RequestOf<typeof taskRequest>, TaskResultMessage> {
  return async (msg, remotePeer) => await receiver.handleRequest(msg, remotePeer)
}

/** A result too large for a frame becomes an explicit failure; one whose requester left is held. */
export function taskRequestOptions(
  hold: (result: TaskResultMessage) => void,
  acks?: Pick<ResultAcks, 'sent'>
): HandleOptions<TaskResultMessage> {
  return {
    // Written is not yet delivered: kept until the requester acks (message set 1.6).
    sent: (reply, request, remote, closed) =>
      acks?.sent(reply, request as TaskRequestMessage, remote, closed),
    oversized: (reply, message) => ({
      type: 'task_result',
      id: reply.id,
      taskId: reply.taskId,
      status: 'failed',
      executor: reply.executor,
      agent: reply.agent,
      path: reply.path,
      error: { code: 'result_too_large', message }
    }),
    // A cancelled task's origin has stopped waiting for it: nothing to hold.
    undeliverable: (reply) => {
      if (reply.error?.code !== 'cancelled') hold(reply)
    }
  }
}
