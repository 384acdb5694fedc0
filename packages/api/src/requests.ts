import {
  CAPABILITY_PATTERN,
  MAX_OPTIONS,
  MAX_ROUND_PARTICIPANTS,
  MAX_TASK_TIMEOUT_MS
} from '@mesh-node/protocol'
import { InvalidRequestError } from './errors.js'
import { parseEventTypeList } from './event-types.js'

/**
 * Validation of every control API request, at the edge: each parser takes
 * the decoded JSON body (or query) and returns the typed, defaulted request,
 * or throws an InvalidRequestError that names the field and the fix.
 */

/** Defaults the contract promises when a field is left out. */
export const DEFAULT_VOTE_TIMEOUT_MS = 10_000
export const DEFAULT_AUCTION_DEADLINE_MS = 2000
export const MAX_AUCTION_DEADLINE_MS = 60_000
export const DEFAULT_AUCTION_TIMEOUT_MS = 30_000
export const MIN_PHASE_TIMEOUT_MS = 100
/** Largest `limit` of GET /v1/tasks. */
export const MAX_TASK_LIST_LIMIT = 10_000
export const DEFAULT_TASK_LIST_LIMIT = 100

export interface ParsedSubmit {
  capability: string
  input: unknown
  wait: boolean
  queue: boolean
  timeoutMs: number
  /** Only an agent of this name (`agent`), on this peer (`peer`: id or unique prefix), may run it. */
  agent?: string
  peer?: string
  /** After a crash cut its run short: run it again ('idempotent', the default) or fail it `interrupted`. */
  retry?: 'never' | 'idempotent'
}

export interface ParsedVote {
  question: string
  options: string[]
  capability?: string
  quorum?: number
  timeoutMs: number
}

export interface ParsedAuction {
  capability: string
  input: unknown
  deadlineMs: number
  timeoutMs: number
}

export interface ParsedSolve {
  problem: string
  capability?: string
  correlationId?: string
  phaseTimeoutMs?: number
}

type Body = Record<string, unknown>

const bad = (message: string): InvalidRequestError => new InvalidRequestError(message)

function object(body: unknown, fields: string[], shape = fields.join(', ')): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw bad(`the body must be a JSON object with ${shape}`)
  const unknown = Object.keys(body).filter((k) => !fields.includes(k))
  if (unknown.length > 0) throw bad(`unknown field(s): ${unknown.join(', ')}`)
  return body as Body
}

function text(b: Body, field: string, max: number): string {
  const v = b[field]
  if (typeof v !== 'string' || v.trim() === '' || v.length > max)
    throw bad(`${field} must be a non-empty string of at most ${max} characters`)
  return v
}

function optionalCapability(b: Body): string | undefined {
  return b.capability === undefined ? undefined : requiredCapability(b)
}

function requiredCapability(b: Body): string {
  const v = b.capability
  if (typeof v !== 'string' || !CAPABILITY_PATTERN.test(v))
    throw bad('capability must be a capability name, e.g. "text.upper"')
  return v
}

function integer(b: Body, field: string, min: number, max: number, fallback: number): number
function integer(b: Body, field: string, min: number, max: number): number | undefined
function integer(b: Body, field: string, min: number, max: number, fallback?: number): number | undefined {
  const v = b[field] ?? fallback
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw bad(`${field} must be an integer from ${min} to ${max}`)
  return v
}

const SUBMIT_FIELDS = ['capability', 'input', 'wait', 'queue', 'timeoutMs', 'agent', 'peer', 'retry']
const AGENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
const PEER_PREFIX = /^[1-9A-HJ-NP-Za-km-z]{1,128}$/

/** `agent` and `peer` of a submit: NAME, PEER, or NAME@PEER in `agent`. */
function parseTarget(b: Body): { agent?: string; peer?: string } {
  if (b.agent !== undefined && typeof b.agent !== 'string')
    throw bad('agent must be an agent name or NAME@PEER')
  if (b.peer !== undefined && typeof b.peer !== 'string')
    throw bad('peer must be a peer id or a prefix of one')
  let agent = b.agent as string | undefined
  let peer = b.peer as string | undefined
  if (agent?.includes('@') === true) {
    const at = agent.indexOf('@')
    if (peer !== undefined) throw bad('give the peer once: agent NAME@PEER, or agent NAME with peer PEER')
    peer = agent.slice(at + 1)
    agent = agent.slice(0, at)
  }
  if (agent !== undefined && !AGENT_NAME.test(agent))
    throw bad(`agent "${agent}" is not an agent name (letters, digits and . _ -, at most 64)`)
  if (peer !== undefined && !PEER_PREFIX.test(peer))
    throw bad(`peer "${peer}" is not a peer id or a prefix of one (base58, e.g. 12D3KooW...)`)
  return { ...(agent !== undefined ? { agent } : {}), ...(peer !== undefined ? { peer } : {}) }
}

/** POST /v1/tasks. */
export function parseSubmit(body: unknown, defaultTimeoutMs: number): ParsedSubmit {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad(
      'the body must be a JSON object: {"capability", "input", "wait", "queue", "timeoutMs", "agent", "peer", "retry"}'
    )
  }
  const b = object(body, SUBMIT_FIELDS)
  if (typeof b.capability !== 'string' || !CAPABILITY_PATTERN.test(b.capability)) {
    throw bad('capability must be a name of letters, digits and . _ : / - (at most 128), e.g. "text.upper"')
  }
  for (const flag of ['wait', 'queue']) {
    if (b[flag] !== undefined && typeof b[flag] !== 'boolean') throw bad(`${flag} must be true or false`)
  }
  if (b.retry !== undefined && b.retry !== 'never' && b.retry !== 'idempotent')
    throw bad(
      'retry must be "never" (a run a crash cut short fails `interrupted`) or "idempotent" (it runs again)'
    )
  return {
    capability: b.capability,
    input: b.input ?? null,
    wait: b.wait !== false,
    queue: b.queue === true,
    timeoutMs: integer(b, 'timeoutMs', 1, MAX_TASK_TIMEOUT_MS, defaultTimeoutMs),
    ...parseTarget(b),
    ...(b.retry === 'never' ? { retry: 'never' as const } : {})
  }
}

/** The `Idempotency-Key` header of POST /v1/tasks: 1 to 128 of these characters (a UUID fits). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key'

/** The header's value, or undefined when absent; InvalidRequestError naming the fix when malformed. */
export function parseIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined
  const key = Array.isArray(value) ? value[0] : value
  if (key === undefined || !IDEMPOTENCY_KEY_PATTERN.test(key))
    throw bad(
      `Idempotency-Key must be 1 to 128 characters of letters, digits and . _ : - (a random UUID is a good key), got ${JSON.stringify(String(key).slice(0, 40))}`
    )
  return key
}

/** POST /v1/votes. */
export function parseVote(body: unknown): ParsedVote {
  const b = object(body, ['question', 'options', 'capability', 'quorum', 'timeoutMs'])
  const question = text(b, 'question', 2000)
  const options = b.options
  if (
    !Array.isArray(options) ||
    options.length === 0 ||
    options.length > MAX_OPTIONS ||
    options.some((o) => typeof o !== 'string' || o === '' || o.length > 2000)
  ) {
    throw bad(`options must be 1 to ${MAX_OPTIONS} non-empty strings`)
  }
  return {
    question,
    options: options as string[],
    capability: optionalCapability(b),
    quorum: integer(b, 'quorum', 1, MAX_ROUND_PARTICIPANTS),
    timeoutMs: integer(b, 'timeoutMs', 1, MAX_TASK_TIMEOUT_MS, DEFAULT_VOTE_TIMEOUT_MS)
  }
}

/** POST /v1/auctions. */
export function parseAuction(body: unknown): ParsedAuction {
  const b = object(body, ['capability', 'input', 'deadlineMs', 'timeoutMs'])
  return {
    capability: requiredCapability(b),
    input: b.input ?? null,
    deadlineMs: integer(b, 'deadlineMs', 1, MAX_AUCTION_DEADLINE_MS, DEFAULT_AUCTION_DEADLINE_MS),
    timeoutMs: integer(b, 'timeoutMs', 1, MAX_TASK_TIMEOUT_MS, DEFAULT_AUCTION_TIMEOUT_MS)
  }
}

/** POST /v1/solve. */
export function parseSolve(body: unknown): ParsedSolve {
  const b = object(body, ['problem', 'capability', 'correlationId', 'phaseTimeoutMs'])
  return {
    problem: text(b, 'problem', 8000),
    capability: optionalCapability(b),
    correlationId: b.correlationId === undefined ? undefined : text(b, 'correlationId', 64),
    phaseTimeoutMs: integer(b, 'phaseTimeoutMs', MIN_PHASE_TIMEOUT_MS, MAX_TASK_TIMEOUT_MS)
  }
}

/** GET /v1/tasks?limit=N. */
export function parseTaskListLimit(query: URLSearchParams): number {
  const limit = Number(query.get('limit') ?? DEFAULT_TASK_LIST_LIMIT)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TASK_LIST_LIMIT)
    throw bad(`limit must be an integer from 1 to ${MAX_TASK_LIST_LIMIT}`)
  return limit
}

/** GET /v1/agents?capability=NAME. */
export function parseAgentsQuery(query: URLSearchParams): string | undefined {
  const capability = query.get('capability') ?? undefined
  if (capability != null && !CAPABILITY_PATTERN.test(capability))
    throw bad('capability is not a valid capability name')
  return capability
}

/** GET /v1/events?types=a,b: every name one of EVENT_TYPES. */
export function parseEventTypes(query: URLSearchParams): string[] | undefined {
  return parseEventTypeList(query.get('types'))
}
