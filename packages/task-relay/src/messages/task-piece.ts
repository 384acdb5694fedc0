import { PieceAckSchema, TaskPieceSchema } from '@mesh-node/protocol'
import { defineMessage, type Handler, type ReplyOf, type RequestOf } from '@mesh-node/rpc'
import type { TaskPieces } from '../pieces.js'

/** Progress or partial output of a running task, on its way to the origin (task protocol 1.1.0). */
export const taskPiece = defineMessage('task_piece', 'piece_ack', TaskPieceSchema, PieceAckSchema)

export function taskPieceHandler(
  pieces: Pick<TaskPieces, 'receive'>
): Handler<RequestOf<typeof taskPiece>, ReplyOf<typeof taskPiece>> {
  return (msg, remote) => pieces.receive(msg, remote.toString())
}
