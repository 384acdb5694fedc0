import { type Static, type TSchema, Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { MAX_AGENTS_PER_NODE, MAX_HOPS } from './constants.js'

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

export const AgentAdSchema = Type.Object({
  agent: AgentName,
  capabilities: Type.Array(Capability, { minItems: 1, maxItems: 64 }),
  capacity: Type.Integer({ minimum: 1, maximum: 1024 }),
  running: Type.Integer({ minimum: 0, maximum: 1024 })
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
  path: Type.Array(PeerIdString, { maxItems: MAX_HOPS + 1 })
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
  path: Type.Array(PeerIdString, { maxItems: MAX_HOPS + 2 })
})

export const CapabilityQuerySchema = Type.Object({
  type: Type.Literal('capability_query'),
  id: Id,
  capability: Type.Optional(Capability)
})

export const CapabilityReplySchema = Type.Object({
  type: Type.Literal('capability_reply'),
  id: Id,
  agents: Type.Array(AgentAdSchema, { maxItems: MAX_AGENTS_PER_NODE })
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
  agents: Type.Array(AgentAdSchema, { maxItems: MAX_AGENTS_PER_NODE })
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

export const StateSyncReplySchema = Type.Object({
  type: Type.Literal('state_sync_reply'),
  id: Id,
  states: Type.Array(NodeStateSchema, { maxItems: 1024 })
})

export type AgentAd = Static<typeof AgentAdSchema>
export type TaskRequestMessage = Static<typeof TaskRequestSchema>
export type TaskResultMessage = Static<typeof TaskResultSchema>
export type CapabilityQueryMessage = Static<typeof CapabilityQuerySchema>
export type CapabilityReplyMessage = Static<typeof CapabilityReplySchema>
export type ErrorMessage = Static<typeof ErrorMessageSchema>
export type ProbeRequestMessage = Static<typeof ProbeRequestSchema>
export type ProbeReplyMessage = Static<typeof ProbeReplySchema>
export type ResultDeliveryMessage = Static<typeof ResultDeliverySchema>
export type DeliveryAckMessage = Static<typeof DeliveryAckSchema>
export type StateSyncMessage = Static<typeof StateSyncSchema>
export type StateSyncReplyMessage = Static<typeof StateSyncReplySchema>
export type NodeStateMessage = Static<typeof NodeStateSchema>
export type TaskStatus = TaskResultMessage['status']

/** Messages a node accepts as requests; everything else on a session is a reply. */
export type TaskProtocolRequest =
  | TaskRequestMessage
  | CapabilityQueryMessage
  | ProbeRequestMessage
  | ResultDeliveryMessage
  | StateSyncMessage
export const REQUEST_TYPES: ReadonlySet<string> = new Set([
  'task_request',
  'capability_query',
  'probe_request',
  'result_delivery',
  'state_sync'
])

export type TaskProtocolMessage =
  | StateSyncMessage
  | StateSyncReplyMessage
  | ResultDeliveryMessage
  | DeliveryAckMessage
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
  state_sync: StateSyncSchema,
  state_sync_reply: StateSyncReplySchema,
  error: ErrorMessageSchema
}

const checkers = Object.fromEntries(
  Object.entries(taskProtocolSchemas).map(([type, schema]) => [type, TypeCompiler.Compile(schema)])
)
const nodeStateChecker = TypeCompiler.Compile(NodeStateSchema)

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

/** JSON Schemas of every message, for docs and for other implementations. */
export const schemas = { ...taskProtocolSchemas, node_state: NodeStateSchema, agent_ad: AgentAdSchema }
