import { peerIdFromString } from '@libp2p/peer-id'
import type { CancelAckMessage, TaskCancelMessage } from '@mesh-node/protocol'
import type { Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import { taskCancel } from './messages/task-cancel.js'

/**
 * The abort reason of a task its origin cancelled. Only this reason is passed
 * on to the next hop: a node that stops aborts its attempts too, and those
 * must go on running on their executors.
 */
export class TaskCancelledError extends Error {
  readonly code = 'cancelled'
  /**
   * @param abandoned only this attempt was given up on (attempt timeout), not
   *   the task: nothing is remembered of it here, so the task may come back.
   */
  constructor(
    readonly abandoned = false,
    message = abandoned ? 'the sender gave up on this attempt' : 'the task was cancelled by its origin'
  ) {
    super(message)
    this.name = 'TaskCancelledError'
  }
}

export function isCancel(reason: unknown): boolean {
  return reason instanceof TaskCancelledError
}

/** A cancel of one attempt the sender gave up on, not of the task. */
export function isAbandoned(reason: unknown): boolean {
  return reason instanceof TaskCancelledError && reason.abandoned
}

export interface CancelTableInit {
  /** Tasks remembered as cancelled before they arrived. @default 1024 */
  maxTombstones?: number
  /** How long such a tombstone refuses its task. @default 300000 */
  tombstoneTtlMs?: number
  /** How long one hop's cancel may take to be acknowledged. @default 2000 */
  cancelTimeoutMs?: number
}

interface Holder {
  origin: string
  /** The peer that handed this node the task: the only one who may cancel it. */
  from: string
  controller: AbortController
}

/**
 * Who may cancel which task on this node, and passing a cancel on. Every
 * task_request this node works on (runs or forwards) is held here until it
 * answers; a cancel aborts it, and the router's abort of its own onward
 * request sends the next task_cancel, hop by hop.
 */
export class CancelTable {
  private readonly holders = new Map<string, Holder>()
  /** taskId -> who cancelled it and until when: a cancel that overtook its task_request. */
  private readonly tombstones = new Map<string, { origin: string; from: string; until: number }>()

  constructor(
    private readonly rpc: Pick<Rpc, 'request'>,
    private readonly log: Logger,
    private readonly init: CancelTableInit = {}
  ) {}

  /** Holds a task while it works here; `release` when it has answered. */
  hold(taskId: string, origin: string, from: string): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController()
    const holder = { origin, from, controller }
    this.holders.set(taskId, holder)
    return {
      signal: controller.signal,
      release: () => {
        if (this.holders.get(taskId) === holder) this.holders.delete(taskId)
      }
    }
  }

  /** Whether this task was cancelled, by the peer now sending it, before it arrived. */
  refuses(taskId: string, origin: string, from: string): boolean {
    const t = this.tombstones.get(taskId)
    if (t == null) return false
    if (t.until < Date.now()) {
      this.tombstones.delete(taskId)
      return false
    }
    return t.origin === origin && t.from === from
  }

  /** A task_cancel from `from`. */
  cancel(msg: TaskCancelMessage, from: string): CancelAckMessage['status'] {
    const holder = this.holders.get(msg.taskId)
    const log = this.log.child({ taskId: msg.taskId })
    if (holder == null) {
      // An abandoned attempt's cancel follows its request on the same stream: nothing to refuse later.
      if (msg.abandoned === true) return 'unknown'
      this.tombstone(msg.taskId, msg.origin, from)
      log.debug({ remotePeer: from }, 'cancel for a task not running here; it is refused if it arrives')
      return 'unknown'
    }
    if (holder.from !== from || holder.origin !== msg.origin) {
      log.warn({ remotePeer: from }, 'refused a cancel from a peer that did not hand this node the task')
      return 'refused'
    }
    const abandoned = msg.abandoned === true
    log.info(
      { remotePeer: from, abandoned },
      abandoned ? 'attempt abandoned by its sender' : 'task cancelled by its origin'
    )
    holder.controller.abort(new TaskCancelledError(abandoned))
    return 'cancelled'
  }

  /**
   * When `signal` aborts because the task was cancelled, tells `peerId` (the
   * next hop) to stop it too. Returns the listener's remover.
   */
  passOn(peerId: string, taskId: string, origin: string, signal: AbortSignal | undefined): () => void {
    if (signal == null) return () => {}
    const send = (): void => {
      if (isCancel(signal.reason))
        this.send(peerId, taskId, origin, 'cancel passed on', isAbandoned(signal.reason))
    }
    if (signal.aborted) {
      send()
      return () => {}
    }
    signal.addEventListener('abort', send, { once: true })
    return () => signal.removeEventListener('abort', send)
  }

  /**
   * Tells `peerId` to stop a task whose attempt this node gave up on (its
   * attempt timeout passed): a slow executor must not go on running a task
   * the next candidate now runs.
   */
  abandon(peerId: string, taskId: string, origin: string): void {
    this.send(peerId, taskId, origin, 'abandoned attempt cancelled', true)
  }

  private send(peerId: string, taskId: string, origin: string, what: string, abandoned: boolean): void {
    const started = performance.now()
    this.rpc
      .request(
        taskCancel,
        peerIdFromString(peerId),
        abandoned ? { taskId, origin, abandoned } : { taskId, origin },
        { timeoutMs: this.init.cancelTimeoutMs ?? 2000 }
      )
      .then((ack) =>
        this.log.info(
          { taskId, remotePeer: peerId, status: ack.status, ms: Math.round(performance.now() - started) },
          what
        )
      )
      .catch((err: Error) =>
        this.log.warn({ taskId, remotePeer: peerId, err: err.message }, `could not send a cancel (${what})`)
      )
  }

  private tombstone(taskId: string, origin: string, from: string): void {
    this.tombstones.delete(taskId)
    this.tombstones.set(taskId, { origin, from, until: Date.now() + (this.init.tombstoneTtlMs ?? 300_000) })
    const max = this.init.maxTombstones ?? 1024
    while (this.tombstones.size > max) {
      const oldest = this.tombstones.keys().next().value
      if (oldest == null) break
      this.tombstones.delete(oldest)
    }
  }
}
