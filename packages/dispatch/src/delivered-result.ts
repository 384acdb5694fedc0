import { CANCELLED } from '@mesh-node/tasks'
import type { DispatcherComponents, TaskDispatcher } from './dispatcher-types.js'
import { TERMINAL } from './task-end.js'

type Delivered = Parameters<TaskDispatcher['acceptDelivered']>[0]

/**
 * A result an executor (or a forwarder that held it) pushed to this origin
 * after the attempt's session was gone (PROTOCOL §9.1). `unknown`: no such
 * task here; `ignored`: known, but nothing to take (already ended, or from a
 * peer the task never went to); `applied`: the task ended with it.
 */
export function applyDelivered(
  c: Pick<DispatcherComponents, 'journal' | 'selfPeerId' | 'rejected' | 'log'>,
  result: Delivered,
  from: string,
  ids: (taskId: string) => Record<string, string>
): 'unknown' | 'ignored' | 'applied' {
  const task = c.journal.get(result.taskId)
  if (task == null) return 'unknown'
  if (TERMINAL.has(task.status)) return 'ignored'
  // Only a peer the task was sent to, or the executor it was forwarded to, may deliver its result.
  const sentTo = new Set(task.attempts.map((a) => a.executor))
  const self = c.selfPeerId
  const forwardedTo = from === result.executor && result.path.some((p) => p !== self && sentTo.has(p))
  // A hop delivers only a result it was on the path of (the executor, or a forwarder that held it).
  if ((!sentTo.has(from) && !forwardedTo) || !result.path.includes(from)) {
    c.rejected?.add('not_sent')
    c.log.warn(
      { ...ids(task.taskId), remotePeer: from },
      'ignored a result delivered by a peer that never had the task'
    )
    return 'ignored'
  }
  // A `cancelled` failure is not taken: a cancel of this task ended it here
  // already, and one from further on was of an abandoned attempt.
  if (result.status === 'completed') {
    c.journal.complete(task.taskId, {
      result: result.result ?? null,
      executor: result.executor ?? 'unknown',
      agent: result.agent,
      path: result.path
    })
  } else if (result.status === 'failed' && result.error?.code !== CANCELLED) {
    c.journal.fail(task.taskId, result.error ?? { code: 'failed', message: 'task failed' }, {
      executor: result.executor,
      path: result.path
    })
  } else {
    return 'ignored'
  }
  c.log.info({ ...ids(task.taskId), executor: result.executor }, 'applied a result delivered late')
  return 'applied'
}
