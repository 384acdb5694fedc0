import { type Static, Type } from '@sinclair/typebox'
import { AgentName, Id, PeerIdString } from './primitives.js'

/** What an executor says while a task runs: streamed pieces (1.1.0, §5.6) and the running confirmation (message set 1.4, §5.7). */

/**
 * A piece of a running task (1.1.0): progress or partial output, sent by the
 * executor to the peer that sent it the task, and relayed hop by hop to the
 * origin. Each hop accepts pieces for a task only from the peer it handed
 * the task to. `data` is at most MAX_PIECE_CHARS as JSON.
 */
export const TaskPieceSchema = Type.Object({
  type: Type.Literal('task_piece'),
  id: Id,
  taskId: Id,
  /** 1, 2, 3...: the executor's order; a receiver may see gaps where pieces were dropped. */
  seq: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
  kind: Type.Union([Type.Literal('progress'), Type.Literal('partial')]),
  data: Type.Unknown(),
  executor: PeerIdString,
  agent: Type.Optional(AgentName)
})
export type TaskPieceMessage = Static<typeof TaskPieceSchema>

export const PieceAckSchema = Type.Object({
  type: Type.Literal('piece_ack'),
  id: Id,
  taskId: Id,
  /** false: refused (not this task's executor here, unknown task, over a limit); `reason` says which. */
  accepted: Type.Boolean(),
  reason: Type.Optional(Type.String({ maxLength: 64 }))
})
export type PieceAckMessage = Static<typeof PieceAckSchema>

/**
 * The executor's word that it has taken a slot and started a task (message
 * set 1.4, optional): sent to the peer it got the task_request from, and
 * relayed hop by hop to the origin, at most once per attempt. Each hop takes
 * it only from the peer it handed that task to; it then stops timing the
 * attempt out and waits for the task's deadline.
 */
export const TaskRunningSchema = Type.Object({
  type: Type.Literal('task_running'),
  id: Id,
  taskId: Id,
  /** The peer whose agent took the task (relayed unchanged). */
  executor: PeerIdString
})
export type TaskRunningMessage = Static<typeof TaskRunningSchema>

export const RunningAckSchema = Type.Object({
  type: Type.Literal('running_ack'),
  id: Id,
  taskId: Id,
  /** false: not the peer this node handed the task to, or already confirmed; `reason` says which. */
  accepted: Type.Boolean(),
  reason: Type.Optional(Type.String({ maxLength: 64 }))
})
export type RunningAckMessage = Static<typeof RunningAckSchema>
