import { type Static, Type } from '@sinclair/typebox'
import { MAX_HOPS, MAX_TRACE_SPANS, TRACEPARENT_PATTERN } from '../constants.js'
import { AgentName, Capability, EpochMs, ErrorInfo, Id, Millis, PeerIdString } from './primitives.js'

/** The task itself: request, result, and the push of a result whose reply was lost (§5.2, §9.1). */

export const TaskRequestSchema = Type.Object({
  type: Type.Literal('task_request'),
  id: Id,
  taskId: Id,
  capability: Capability,
  input: Type.Unknown(),
  /** Peer id of the node where the task was submitted. */
  from: PeerIdString,
  deadline: EpochMs,
  /** Times forwarded so far; a node may forward only while hops < MAX_HOPS. */
  hops: Type.Integer({ minimum: 0, maximum: MAX_HOPS }),
  /** Peers the task has visited, origin first; none of them may be chosen again. */
  path: Type.Array(PeerIdString, { maxItems: MAX_HOPS + 1 }),
  /** Optional: W3C trace context; the sender's span is the parent of the receiver's. */
  traceparent: Type.Optional(Type.String({ pattern: TRACEPARENT_PATTERN.source })),
  /**
   * Run on this peer (and this agent) only: never forwarded, never on
   * another agent; the receiver refuses what it cannot honour (§6.6).
   */
  target: Type.Optional(Type.Object({ peer: PeerIdString, agent: Type.Optional(AgentName) })),
  /**
   * Optional (message set 1.5): the origin's unguessable token of this
   * attempt (16 random bytes, base64url), passed on unchanged by forwarders;
   * the executor signs its answer with it.
   */
  token: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{22,64}$' })),
  /**
   * Optional (message set 1.7): the origin's Ed25519 signature (base64url)
   * over its id, the task id, the capability and a digest of the input
   * (PROTOCOL.md §6.10); forwarders pass it on unchanged. Required on a
   * request whose sender is not its origin.
   */
  osig: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{86}$' })),
  /**
   * Optional (protocol 1.x, added with once-semantics): what an executor does
   * after a crash cut its run of this task short. Absent: 'idempotent', run
   * it again as the next attempt; 'never': answer failed `interrupted` (§6.8).
   */
  retry: Type.Optional(Type.Union([Type.Literal('never'), Type.Literal('idempotent')])),
  /**
   * Optional (message set 1.6): the sender acknowledges the final
   * task_result with `result_ack` (§5.8). Absent: it does not (an older
   * peer), and a written reply counts as delivered, as before.
   */
  acks: Type.Optional(Type.Boolean())
})
export type TaskRequestMessage = Static<typeof TaskRequestSchema>

/**
 * What one node did with a task, by its own clock. Reported by the node
 * itself and unverified: the origin only displays it.
 */
export const HopSpanSchema = Type.Object({
  peerId: PeerIdString,
  spanId: Type.String({ pattern: '^[0-9a-f]{16}$' }),
  role: Type.Union([Type.Literal('executor'), Type.Literal('forwarder')]),
  /** When the task_request arrived (epoch ms, this node's clock). */
  receivedAt: EpochMs,
  /** Time spent here deciding, waiting for room and looking up peers: neither running nor forwarded. */
  queuedMs: Millis,
  /** Time the local agent ran. */
  executedMs: Millis,
  /** Time waiting on the next hop (its own time included). */
  forwardedMs: Millis
})
export type HopSpan = Static<typeof HopSpanSchema>

export const TaskResultSchema = Type.Object({
  type: Type.Literal('task_result'),
  id: Id,
  taskId: Id,
  status: Type.Union([
    Type.Literal('completed'),
    Type.Literal('failed'),
    Type.Literal('busy'),
    Type.Literal('no_agent')
  ]),
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(ErrorInfo),
  executor: Type.Optional(PeerIdString),
  agent: Type.Optional(AgentName),
  /** Every peer the task passed through, origin first, executor last. */
  path: Type.Array(PeerIdString, { maxItems: MAX_HOPS + 2 }),
  /** Optional: one span per node after the origin, in path order; each hop prepends its own. */
  spans: Type.Optional(Type.Array(HopSpanSchema, { maxItems: MAX_TRACE_SPANS })),
  /**
   * Optional (message set 1.5): the executor's Ed25519 signature (base64url)
   * over the task id, the attempt token and a digest of the answer
   * (PROTOCOL.md §6.9); forwarders pass it on unchanged.
   */
  sig: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{86}$' }))
})
export type TaskResultMessage = Static<typeof TaskResultSchema>

/**
 * An executor pushing a result whose original reply could not be delivered
 * (the origin was down). The origin answers with delivery_ack.
 */
export const ResultDeliverySchema = Type.Object({
  type: Type.Literal('result_delivery'),
  id: Id,
  result: Type.Omit(TaskResultSchema, ['type', 'id'])
})
export type ResultDeliveryMessage = Static<typeof ResultDeliverySchema>

export const DeliveryAckSchema = Type.Object({
  type: Type.Literal('delivery_ack'),
  id: Id,
  taskId: Id,
  /** false when the origin does not know the task (it then needs nothing more). */
  known: Type.Boolean()
})
export type DeliveryAckMessage = Static<typeof DeliveryAckSchema>
