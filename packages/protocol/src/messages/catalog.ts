import type { TSchema } from '@sinclair/typebox'
import {
  type ResultAckMessage,
  type ResultAckReplyMessage,
  ResultAckReplySchema,
  ResultAckSchema
} from './acks.js'
import { AgentAdSchema } from './agent-ad.js'
import { type CancelAckMessage, CancelAckSchema, type TaskCancelMessage, TaskCancelSchema } from './cancel.js'
import {
  type AgentAnswerMessage,
  AgentAnswerSchema,
  type AgentAskMessage,
  AgentAskSchema,
  type BidAckMessage,
  BidAckSchema,
  type BidMessage,
  BidSchema,
  CallForBidsSchema
} from './coordination.js'
import {
  type CapabilityQueryMessage,
  CapabilityQuerySchema,
  type CapabilityReplyMessage,
  CapabilityReplySchema
} from './discovery.js'
import { type ErrorMessage, ErrorMessageSchema } from './error.js'
import {
  NodeStateSchema,
  type ProbeReplyMessage,
  ProbeReplySchema,
  type ProbeRequestMessage,
  ProbeRequestSchema,
  type StateSyncMessage,
  type StateSyncReplyMessage,
  StateSyncReplySchema,
  StateSyncSchema
} from './membership.js'
import {
  type PieceAckMessage,
  PieceAckSchema,
  type RunningAckMessage,
  RunningAckSchema,
  type TaskPieceMessage,
  TaskPieceSchema,
  type TaskRunningMessage,
  TaskRunningSchema
} from './progress.js'
import {
  type DeliveryAckMessage,
  DeliveryAckSchema,
  type ResultDeliveryMessage,
  ResultDeliverySchema,
  type TaskRequestMessage,
  TaskRequestSchema,
  type TaskResultMessage,
  TaskResultSchema
} from './task.js'

/**
 * The catalogue of every message on `/agent-mesh/task/*`, for docs, for other
 * implementations and for `decodeTaskMessage`. It routes nothing: each
 * request type is registered with its handler by the package that owns it
 * (`@mesh-node/rpc`'s `defineMessage` + `handle`).
 */
export type TaskProtocolMessage =
  | ResultAckMessage
  | ResultAckReplyMessage
  | TaskRunningMessage
  | RunningAckMessage
  | TaskPieceMessage
  | PieceAckMessage
  | AgentAskMessage
  | AgentAnswerMessage
  | BidMessage
  | BidAckMessage
  | StateSyncMessage
  | StateSyncReplyMessage
  | ResultDeliveryMessage
  | DeliveryAckMessage
  | TaskCancelMessage
  | CancelAckMessage
  | ProbeRequestMessage
  | ProbeReplyMessage
  | TaskRequestMessage
  | TaskResultMessage
  | CapabilityQueryMessage
  | CapabilityReplyMessage
  | ErrorMessage

/** How an executor answered a task_request (not the journal's task status). */
export type TaskResultStatus = TaskResultMessage['status']

export const taskProtocolSchemas: Record<TaskProtocolMessage['type'], TSchema> = {
  task_request: TaskRequestSchema,
  task_result: TaskResultSchema,
  capability_query: CapabilityQuerySchema,
  capability_reply: CapabilityReplySchema,
  probe_request: ProbeRequestSchema,
  probe_reply: ProbeReplySchema,
  result_delivery: ResultDeliverySchema,
  delivery_ack: DeliveryAckSchema,
  task_cancel: TaskCancelSchema,
  cancel_ack: CancelAckSchema,
  state_sync: StateSyncSchema,
  state_sync_reply: StateSyncReplySchema,
  agent_ask: AgentAskSchema,
  agent_answer: AgentAnswerSchema,
  bid: BidSchema,
  bid_ack: BidAckSchema,
  task_piece: TaskPieceSchema,
  piece_ack: PieceAckSchema,
  task_running: TaskRunningSchema,
  running_ack: RunningAckSchema,
  result_ack: ResultAckSchema,
  result_ack_reply: ResultAckReplySchema,
  error: ErrorMessageSchema
}

/** JSON Schemas of every message, for docs and for other implementations. */
export const schemas = {
  ...taskProtocolSchemas,
  node_state: NodeStateSchema,
  call_for_bids: CallForBidsSchema,
  agent_ad: AgentAdSchema
}
