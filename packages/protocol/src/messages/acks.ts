import { type Static, Type } from '@sinclair/typebox'
import { Id } from './primitives.js'

/**
 * Result acks (message set 1.6, PROTOCOL.md §5.8): a requester that sent
 * `task_request` with `acks: true` confirms every final `task_result`
 * (completed or failed) it read. Until then the node that answered keeps the
 * result, and pushes it to the origin with `result_delivery` (§9.1) when no
 * ack comes: a reply written to a stream that then broke is not lost.
 */
export const ResultAckSchema = Type.Object({
  type: Type.Literal('result_ack'),
  id: Id,
  /** The task whose final task_result the sender read. */
  taskId: Id
})
export type ResultAckMessage = Static<typeof ResultAckSchema>

export const ResultAckReplySchema = Type.Object({
  type: Type.Literal('result_ack_reply'),
  id: Id,
  taskId: Id,
  /** false: this node kept no result of the task for the sender (already acked, or pushed on). */
  held: Type.Boolean()
})
export type ResultAckReplyMessage = Static<typeof ResultAckReplySchema>
