import { RunningAckSchema, TaskRunningSchema } from '@mesh-node/protocol'
import { defineMessage, type Handler, type ReplyOf, type RequestOf } from '@mesh-node/rpc'
import type { RunningTable } from '../running.js'

/** An executor's word that it has started a task, on its way to the origin (message set 1.4). */
export const taskRunning = defineMessage('task_running', 'running_ack', TaskRunningSchema, RunningAckSchema)

export function taskRunningHandler(
  running: Pick<RunningTable, 'receive'>
): Handler<RequestOf<typeof taskRunning>, ReplyOf<typeof taskRunning>> {
  return (msg, remote) => running.receive(msg, remote.toString())
}
