import { peerIdFromString } from '@libp2p/peer-id'
import type { RunningAckMessage, TaskRunningMessage } from '@mesh-node/protocol'
import { RemoteProtocolError, type Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import { taskRunning } from './messages/task-running.js'

/**
 * An executor confirms a task only once it has run this long. Most tasks end
 * sooner, and their answer is the confirmation, so they cost no extra frame;
 * every attempt timeout is far longer (at least 2 s / (MAX_HOPS + 1) = 400 ms).
 */
export const CONFIRM_AFTER_MS = 100
const SEND_TIMEOUT_MS = 5000

/** Why a confirmation went no further. */
export type RunningRefusal = 'not_expected' | 'duplicate'

interface Attempt {
  /** The peer this node handed the task to: the only one that may confirm it. */
  peer: string
  /** Where the confirmation goes on to (the peer that sent this node the task), or undefined at the origin. */
  upstream: string | undefined
  confirmed: boolean
  /** Called with the executor the confirmation names (the peer itself, or one further on). */
  onConfirm: (executor: string) => void
}

export interface RunningTableComponents {
  rpc: Pick<Rpc, 'request'>
  selfPeerId: string
  log: Logger
}

/**
 * Confirmations that a task is running (`task_running`, PROTOCOL.md §5.7).
 * The per-attempt timeout exists to catch a peer that took a task and went
 * silent; one that says it has started is slow, not silent, so from then on
 * its attempt waits for the task's deadline (a peer that dies meanwhile is
 * caught by the failure detector). Each node takes one confirmation per
 * attempt, only from the peer it handed the task to, and passes it on to
 * the peer it got the task from. Entries live only while their attempt is
 * outstanding, so the table is bounded by the tasks in flight.
 */
export class RunningTable {
  private readonly attempts = new Map<string, Attempt>()

  constructor(private readonly c: RunningTableComponents) {}

  /**
   * Takes one confirmation of `taskId` from `peer` until the returned
   * release is called; `onConfirm` runs when it comes, with the executor it names.
   */
  expect(
    taskId: string,
    peer: string,
    upstream: string | undefined,
    onConfirm: (executor: string) => void
  ): () => void {
    const attempt: Attempt = { peer, upstream, confirmed: false, onConfirm }
    this.attempts.set(taskId, attempt)
    return () => {
      if (this.attempts.get(taskId) === attempt) this.attempts.delete(taskId)
    }
  }

  /**
   * This node's own agent took a slot for a task that `upstream` sent it:
   * confirms it once it has run CONFIRM_AFTER_MS. Returns the canceller,
   * for when the run ends first.
   */
  started(taskId: string, upstream: string): () => void {
    const timer = setTimeout(() => this.send(taskId, upstream, this.c.selfPeerId), CONFIRM_AFTER_MS)
    return () => clearTimeout(timer)
  }

  receive(msg: TaskRunningMessage, from: string): RunningAckMessage {
    const ack = (accepted: boolean, reason?: RunningRefusal): RunningAckMessage => ({
      type: 'running_ack',
      id: msg.id,
      taskId: msg.taskId,
      accepted,
      ...(reason !== undefined ? { reason } : {})
    })
    const attempt = this.attempts.get(msg.taskId)
    const refusal: RunningRefusal | undefined =
      attempt === undefined || attempt.peer !== from
        ? 'not_expected'
        : attempt.confirmed
          ? 'duplicate'
          : undefined
    if (refusal !== undefined || attempt === undefined) {
      this.c.log.debug({ taskId: msg.taskId, remotePeer: from, reason: refusal }, 'task_running refused')
      return ack(false, refusal)
    }
    attempt.confirmed = true
    this.c.log.debug(
      { taskId: msg.taskId, remotePeer: from, executor: msg.executor },
      'task confirmed running'
    )
    attempt.onConfirm(msg.executor)
    if (attempt.upstream !== undefined) this.send(msg.taskId, attempt.upstream, msg.executor)
    return ack(true)
  }

  private send(taskId: string, upstream: string, executor: string): void {
    this.c.rpc
      .request(taskRunning, peerIdFromString(upstream), { taskId, executor }, { timeoutMs: SEND_TIMEOUT_MS })
      .then((ack) => {
        if (!ack.accepted)
          this.c.log.debug({ taskId, remotePeer: upstream, reason: ack.reason }, 'task_running not taken')
      })
      .catch((err: Error) => {
        // A peer older than message set 1.4 answers unknown_type: it keeps timing attempts out as before.
        const old = err instanceof RemoteProtocolError && err.code === 'unknown_type'
        this.c.log.debug(
          { taskId, remotePeer: upstream, err: err.message, old },
          'task_running not delivered'
        )
      })
  }
}
