import type { TaskRecord } from '@mesh-node/journal'
import type { SubmitOptions, TaskOutcome, Tasks } from '@mesh-node/tasks'

/** What every send of one dispatch shares; where it goes and for how long come from the route. */
export type SendBase = Omit<SubmitOptions, 'timeoutMs' | 'preferPeer' | 'candidates' | 'failover' | 'target'>

/**
 * Codes with which an auction's bidder did not run the task: it is gone, cannot
 * be reached, or is busy. Right after a restart (before the mesh is known
 * again) the task waits for its bidders on these, rather than failing.
 */
export const BIDDER_ABSENT = new Set(['agent_gone', 'target_unreachable', 'no_agent', 'all_busy'])

/**
 * Sends a task along its journaled route. An auction's task goes to its
 * bids in score order, each as a target naming the agent that bid, so that
 * agent (and no other on its peer) runs it; a failed or unreachable bidder
 * hands over to the next. The bidder last tried goes first, since after a
 * restart it may already hold the result. Any other task is one send, with
 * its candidates or target. `remainingMs` is what is left of the task's
 * deadline; undefined when none was left to send with.
 */
export async function sendOnRoute(
  tasks: Pick<Tasks, 'submit'>,
  task: TaskRecord,
  base: SendBase,
  remainingMs: () => number,
  onOutcome: (outcome: TaskOutcome) => void
): Promise<TaskOutcome | undefined> {
  const previous = task.attempts.at(-1)?.executor
  const bids = task.route?.bids
  if (bids == null || bids.length === 0) {
    const ms = remainingMs()
    if (ms <= 0) return undefined
    const outcome = await tasks.submit({
      ...base,
      timeoutMs: ms,
      preferPeer: previous,
      candidates: task.route?.candidates,
      failover: task.route?.candidates != null,
      target: task.route?.target
    })
    onOutcome(outcome)
    return outcome
  }
  const order = [...bids.filter((b) => b.peer === previous), ...bids.filter((b) => b.peer !== previous)]
  let last: TaskOutcome | undefined
  for (const bid of order) {
    const ms = remainingMs()
    if (ms <= 0 || base.signal?.aborted === true) break
    last = await tasks.submit({ ...base, timeoutMs: ms, target: bid })
    onOutcome(last)
    if (last.status === 'completed') break
  }
  return last
}
