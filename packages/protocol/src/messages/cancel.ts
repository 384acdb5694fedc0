import { type Static, Type } from '@sinclair/typebox'
import { Id, PeerIdString } from './primitives.js'

/** Cancel, hop by hop (message set 1.1, §6.8). */

/**
 * The origin asks the peer it handed a task to (and each forwarder the next
 * hop) to stop it. Accepted only from the peer that sent this node the task.
 */
export const TaskCancelSchema = Type.Object({
  type: Type.Literal('task_cancel'),
  id: Id,
  taskId: Id,
  /** The task's origin, as in its task_request's `from`. */
  origin: PeerIdString,
  /**
   * Optional (message set 1.4): the sender gave up on this attempt only (its
   * attempt timeout passed) and the task goes on elsewhere, so the receiver
   * keeps no answer and no tombstone for it.
   */
  abandoned: Type.Optional(Type.Boolean())
})
export type TaskCancelMessage = Static<typeof TaskCancelSchema>

export const CancelAckSchema = Type.Object({
  type: Type.Literal('cancel_ack'),
  id: Id,
  taskId: Id,
  /**
   * cancelled: it ran or waited here and is stopped (and passed on);
   * unknown: not running here (finished, or not arrived yet: it will be refused);
   * refused: the sender is not the peer that handed this node the task.
   */
  status: Type.Union([Type.Literal('cancelled'), Type.Literal('unknown'), Type.Literal('refused')])
})
export type CancelAckMessage = Static<typeof CancelAckSchema>
