import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import {
  MAX_AGENTS_PER_NODE,
  MAX_HOPS,
  MAX_NODE_NAME_LENGTH,
  MAX_OPTIONS,
  MAX_SIGNED_STATE_CHARS,
  MAX_SIGNED_STATES_PER_REPLY,
  MAX_STATE_PEERS,
  MAX_TASK_TIMEOUT_MS,
  MAX_TRACE_SPANS,
  NODE_NAME_PATTERN,
  TRACEPARENT_PATTERN
} from './constants.js'

/**
 * Message schemas of the task protocol and the state topic. They are the
 * source of truth for docs/PROTOCOL.md: every inbound message is checked
 * against them before anything acts on it.
 */

const Id = Type.String({ minLength: 1, maxLength: 64 })
const PeerIdString = Type.String({ minLength: 1, maxLength: 128 })
const Capability = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$' })
const AgentName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })
const EpochMs = Type.Integer({ minimum: 0 })
const ErrorInfo = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 64 }),
  message: Type.String({ maxLength: 8192 })
})

/**
 * What a capability declares about itself: a description and JSON Schemas of
 * its task input and result. Optional (added after 1.0.0 as optional fields);
 * their size is bounded by `boundSchemas` (schema-bounds.ts), not here.
 */
export const CapabilitySchemaInfoSchema = Type.Object({
  description: Type.Optional(Type.String({ maxLength: 1024 })),
  inputSchema: Type.Optional(Type.Unknown()),
  outputSchema: Type.Optional(Type.Unknown())
})

export const AgentAdSchema = Type.Object({
  agent: AgentName,
  capabilities: Type.Array(Capability, { minItems: 1, maxItems: 64 }),
  capacity: Type.Integer({ minimum: 1, maximum: 1024 }),
  running: Type.Integer({ minimum: 0, maximum: 1024 }),
  /** Capability name to its schemas; only capabilities of this agent that declare any. */
  schemas: Type.Optional(Type.Record(Capability, CapabilitySchemaInfoSchema, { maxProperties: 64 }))
})

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
   * Optional (protocol 1.x, added with once-semantics): what an executor does
   * after a crash cut its run of this task short. Absent: 'idempotent', run
   * it again as the next attempt; 'never': answer failed `interrupted` (§6.8).
   */
  retry: Type.Optional(Type.Union([Type.Literal('never'), Type.Literal('idempotent')]))
})

/** A duration in ms, to the microsecond, so nested hops' times add up exactly. */
const Millis = Type.Number({ minimum: 0, maximum: MAX_TASK_TIMEOUT_MS })

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

export const CapabilityQuerySchema = Type.Object({
  type: Type.Literal('capability_query'),
  id: Id,
  capability: Type.Optional(Capability)
})

export const CapabilityReplySchema = Type.Object({
  type: Type.Literal('capability_reply'),
  id: Id,
  agents: Type.Array(AgentAdSchema, { maxItems: MAX_AGENTS_PER_NODE }),
  /** Optional behaviours this node honours, e.g. `task_target` (§6.6); absent on older nodes. */
  features: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 }))
})

/** SWIM's ping-req: "can you reach this peer?", asked of a third party. */
export const ProbeRequestSchema = Type.Object({
  type: Type.Literal('probe_request'),
  id: Id,
  target: PeerIdString
})

export const ProbeReplySchema = Type.Object({
  type: Type.Literal('probe_reply'),
  id: Id,
  target: PeerIdString,
  reachable: Type.Boolean()
})

/**
 * An executor pushing a result whose original reply could not be delivered
 * (the origin was down). The origin answers with delivery_ack.
 */
export const ResultDeliverySchema = Type.Object({
  type: Type.Literal('result_delivery'),
  id: Id,
  result: Type.Omit(TaskResultSchema, ['type', 'id'])
})

export const DeliveryAckSchema = Type.Object({
  type: Type.Literal('delivery_ack'),
  id: Id,
  taskId: Id,
  /** false when the origin does not know the task (it then needs nothing more). */
  known: Type.Boolean()
})

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

export const ErrorMessageSchema = Type.Object({
  type: Type.Literal('error'),
  id: Type.Optional(Id),
  code: Type.String({ minLength: 1, maxLength: 64 }),
  message: Type.String({ maxLength: 8192 })
})

export const NodeStateSchema = Type.Object({
  type: Type.Literal('node_state'),
  peerId: PeerIdString,
  /** Start time of the sending process (epoch ms): a restart is a new incarnation. */
  incarnation: EpochMs,
  /** Rises with every announcement within an incarnation. */
  seq: Type.Integer({ minimum: 0 }),
  agents: Type.Array(AgentAdSchema, { maxItems: MAX_AGENTS_PER_NODE }),
  /** Optional (added compatibly): the name the node gives itself; a label, never identity. */
  name: Type.Optional(
    Type.String({ minLength: 1, maxLength: MAX_NODE_NAME_LENGTH, pattern: NODE_NAME_PATTERN.source })
  ),
  /** Optional: peers the node holds connections to (at most MAX_STATE_PEERS), for drawing the mesh. */
  peers: Type.Optional(Type.Array(PeerIdString, { maxItems: MAX_STATE_PEERS }))
})

/**
 * Anti-entropy: the sender lists the (incarnation, seq) it holds for each
 * peer; the receiver answers with every state it holds that is newer or
 * missing there, so lost gossip and healed partitions converge.
 */
export const StateSyncSchema = Type.Object({
  type: Type.Literal('state_sync'),
  id: Id,
  versions: Type.Array(
    Type.Object({ peerId: PeerIdString, incarnation: EpochMs, seq: Type.Integer({ minimum: 0 }) }),
    { maxItems: 1024 }
  )
})

/**
 * A node_state as its subject published it on the state topic, with the
 * subject's gossipsub signature (StrictSign): anyone can check it against
 * the peer id inside, so a relay cannot forge or alter it (§7.2).
 */
export const SignedStateSchema = Type.Object({
  /** Base64 of the message data exactly as published: the node_state JSON. */
  data: Type.String({ minLength: 1, maxLength: MAX_SIGNED_STATE_CHARS, pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
  /** The gossipsub seqno it was signed with: 8 bytes, big-endian, as 16 hex digits. */
  seqno: Type.String({ pattern: '^[0-9a-f]{16}$' }),
  /** Base64 of the signature over `libp2p-pubsub:` + the protobuf Message {from, data, seqno, topic}. */
  signature: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z0-9+/]*={0,2}$' })
})

export const StateSyncReplySchema = Type.Object({
  type: Type.Literal('state_sync_reply'),
  id: Id,
  /** Unsigned states: what nodes before message set 1.2 send. A 1.2 node sends none and believes none. */
  states: Type.Array(NodeStateSchema, { maxItems: 1024 }),
  /** Optional (message set 1.2): the states, each signed by its subject. */
  signed: Type.Optional(Type.Array(SignedStateSchema, { maxItems: MAX_SIGNED_STATES_PER_REPLY }))
})

const Text = (maxLength: number) => Type.String({ minLength: 1, maxLength })

/** The questions one agent can be asked directly (votes, brainstorms, critiques, bids). */
export const AgentQuestionSchema = Type.Union([
  Type.Object({
    type: Type.Literal('consensus_vote'),
    question: Text(2000),
    options: Type.Array(Text(2000), { minItems: 1, maxItems: MAX_OPTIONS })
  }),
  Type.Object({ type: Type.Literal('brainstorm'), problem: Text(8000) }),
  Type.Object({
    type: Type.Literal('critique'),
    problem: Text(8000),
    ideas: Type.Array(Text(2000), { maxItems: MAX_OPTIONS })
  }),
  Type.Object({
    type: Type.Literal('bid_request'),
    capability: Capability,
    input: Type.Unknown(),
    score: Type.Number({ minimum: 0, maximum: 1 })
  })
])

export const AgentAskSchema = Type.Object({
  type: Type.Literal('agent_ask'),
  id: Id,
  /** The round this question belongs to; the same on every question of the round. */
  correlationId: Id,
  agent: AgentName,
  deadline: EpochMs,
  question: AgentQuestionSchema
})

export const AgentAnswerSchema = Type.Object({
  type: Type.Literal('agent_answer'),
  id: Id,
  agent: AgentName,
  answer: Type.Optional(Type.Unknown()),
  error: Type.Optional(ErrorInfo)
})

/** A bid, sent straight to the auctioneer in answer to a call_for_bids. */
export const BidSchema = Type.Object({
  type: Type.Literal('bid'),
  id: Id,
  correlationId: Id,
  agent: AgentName,
  /** The bidder's offer in [0, 1]: capability match times free capacity, possibly adjusted by its handler. */
  score: Type.Number({ minimum: 0, maximum: 1 }),
  running: Type.Integer({ minimum: 0, maximum: 1024 }),
  capacity: Type.Integer({ minimum: 1, maximum: 1024 })
})

export const BidAckSchema = Type.Object({
  type: Type.Literal('bid_ack'),
  id: Id,
  correlationId: Id,
  /** false for an unknown or closed auction, or a duplicate bid. */
  accepted: Type.Boolean()
})

/** Published on AUCTION_TOPIC by the auctioneer (StrictSign: the signer must be `auctioneer`). */
export const CallForBidsSchema = Type.Object({
  type: Type.Literal('call_for_bids'),
  correlationId: Id,
  auctioneer: PeerIdString,
  capability: Capability,
  /** The task input, when it is small enough to share (at most 64 KiB as JSON). */
  input: Type.Optional(Type.Unknown()),
  deadline: EpochMs
})

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

export const PieceAckSchema = Type.Object({
  type: Type.Literal('piece_ack'),
  id: Id,
  taskId: Id,
  /** false: refused (not this task's executor here, unknown task, over a limit); `reason` says which. */
  accepted: Type.Boolean(),
  reason: Type.Optional(Type.String({ maxLength: 64 }))
})

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

export const RunningAckSchema = Type.Object({
  type: Type.Literal('running_ack'),
  id: Id,
  taskId: Id,
  /** false: not the peer this node handed the task to, or already confirmed; `reason` says which. */
  accepted: Type.Boolean(),
  reason: Type.Optional(Type.String({ maxLength: 64 }))
})

export type AgentAd = Static<typeof AgentAdSchema>
export type CapabilitySchemaInfo = Static<typeof CapabilitySchemaInfoSchema>
export type TaskRequestMessage = Static<typeof TaskRequestSchema>
export type TaskResultMessage = Static<typeof TaskResultSchema>
export type HopSpan = Static<typeof HopSpanSchema>
export type CapabilityQueryMessage = Static<typeof CapabilityQuerySchema>
export type CapabilityReplyMessage = Static<typeof CapabilityReplySchema>
export type ErrorMessage = Static<typeof ErrorMessageSchema>
export type ProbeRequestMessage = Static<typeof ProbeRequestSchema>
export type ProbeReplyMessage = Static<typeof ProbeReplySchema>
export type ResultDeliveryMessage = Static<typeof ResultDeliverySchema>
export type DeliveryAckMessage = Static<typeof DeliveryAckSchema>
export type TaskCancelMessage = Static<typeof TaskCancelSchema>
export type CancelAckMessage = Static<typeof CancelAckSchema>
export type StateSyncMessage = Static<typeof StateSyncSchema>
export type StateSyncReplyMessage = Static<typeof StateSyncReplySchema>
export type AgentQuestion = Static<typeof AgentQuestionSchema>
export type AgentAskMessage = Static<typeof AgentAskSchema>
export type AgentAnswerMessage = Static<typeof AgentAnswerSchema>
export type BidMessage = Static<typeof BidSchema>
export type BidAckMessage = Static<typeof BidAckSchema>
export type CallForBidsMessage = Static<typeof CallForBidsSchema>
export type NodeStateMessage = Static<typeof NodeStateSchema>
export type SignedState = Static<typeof SignedStateSchema>
export type TaskPieceMessage = Static<typeof TaskPieceSchema>
export type PieceAckMessage = Static<typeof PieceAckSchema>
export type TaskRunningMessage = Static<typeof TaskRunningSchema>
export type RunningAckMessage = Static<typeof RunningAckSchema>
/** How an executor answered a task_request (not the journal's task status). */
export type TaskResultStatus = TaskResultMessage['status']

/** Messages a node accepts as requests; everything else on a session is a reply. */
export type TaskProtocolRequest =
  | TaskRequestMessage
  | CapabilityQueryMessage
  | ProbeRequestMessage
  | ResultDeliveryMessage
  | StateSyncMessage
  | AgentAskMessage
  | BidMessage
  | TaskCancelMessage
  | TaskPieceMessage
  | TaskRunningMessage
export const REQUEST_TYPES: ReadonlySet<string> = new Set([
  'task_request',
  'capability_query',
  'probe_request',
  'result_delivery',
  'state_sync',
  'agent_ask',
  'bid',
  'task_cancel',
  'task_piece',
  'task_running'
])

export type TaskProtocolMessage =
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

const taskProtocolSchemas: Record<TaskProtocolMessage['type'], TSchema> = {
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
  error: ErrorMessageSchema
}

const checkers = Object.fromEntries(
  Object.entries(taskProtocolSchemas).map(([type, schema]) => [type, TypeCompiler.Compile(schema)])
)
const nodeStateChecker = TypeCompiler.Compile(NodeStateSchema)
const callForBidsChecker = TypeCompiler.Compile(CallForBidsSchema)

export type Decoded<T> =
  | { ok: true; message: T }
  | { ok: false; code: 'invalid_json' | 'unknown_type' | 'invalid_message'; error: string; id?: string }

const decoder = new TextDecoder()

function parse(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(decoder.decode(bytes)) }
  } catch (err) {
    return { ok: false, error: (err as Error).message }
  }
}

function describe(checker: ReturnType<typeof TypeCompiler.Compile>, value: unknown): string {
  const first = checker.Errors(value).First()
  return first == null ? 'invalid message' : `${first.path === '' ? '(root)' : first.path}: ${first.message}`
}

/** Parses and validates one task-protocol frame body. */
export function decodeTaskMessage(bytes: Uint8Array): Decoded<TaskProtocolMessage> {
  const parsed = parse(bytes)
  if (!parsed.ok) return { ok: false, code: 'invalid_json', error: parsed.error }
  const value = parsed.value as { type?: unknown; id?: unknown }
  const id = typeof value?.id === 'string' && value.id.length <= 64 ? value.id : undefined
  const checker = typeof value?.type === 'string' ? checkers[value.type] : undefined
  if (checker == null)
    return {
      ok: false,
      code: 'unknown_type',
      error: `unknown message type ${JSON.stringify(value?.type)}`,
      id
    }
  if (!checker.Check(value))
    return { ok: false, code: 'invalid_message', error: describe(checker, value), id }
  return { ok: true, message: value as TaskProtocolMessage }
}

/** Parses and validates one state-topic message. */
export function decodeNodeState(bytes: Uint8Array): Decoded<NodeStateMessage> {
  const parsed = parse(bytes)
  if (!parsed.ok) return { ok: false, code: 'invalid_json', error: parsed.error }
  if (!nodeStateChecker.Check(parsed.value))
    return { ok: false, code: 'invalid_message', error: describe(nodeStateChecker, parsed.value) }
  return { ok: true, message: parsed.value as NodeStateMessage }
}

/** Parses and validates one auction-topic message. */
export function decodeCallForBids(bytes: Uint8Array): Decoded<CallForBidsMessage> {
  const parsed = parse(bytes)
  if (!parsed.ok) return { ok: false, code: 'invalid_json', error: parsed.error }
  if (!callForBidsChecker.Check(parsed.value)) {
    return { ok: false, code: 'invalid_message', error: describe(callForBidsChecker, parsed.value) }
  }
  return { ok: true, message: parsed.value as CallForBidsMessage }
}

/** JSON Schemas of every message, for docs and for other implementations. */
export const schemas = {
  ...taskProtocolSchemas,
  node_state: NodeStateSchema,
  call_for_bids: CallForBidsSchema,
  agent_ad: AgentAdSchema
}
