import { TypeCompiler } from '@sinclair/typebox/compiler'
import { type TaskProtocolMessage, taskProtocolSchemas } from './catalog.js'
import { type CallForBidsMessage, CallForBidsSchema } from './coordination.js'
import { type NodeStateMessage, NodeStateSchema } from './membership.js'

/** Parse-and-validate for callers outside an rpc session: tests, the gossip topics' validators. */

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
