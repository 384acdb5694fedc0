import {
  CAPABILITY_PATTERN,
  MAX_OPTIONS,
  MAX_ROUND_PARTICIPANTS,
  MAX_TASK_TIMEOUT_MS
} from '@mesh-node/protocol'
import { InvalidRequestError } from './errors.js'

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

const SUBMIT_FIELDS = ['capability', 'input', 'wait', 'queue', 'timeoutMs']

/** POST /v1/tasks. */
export function parseSubmit(body: unknown, defaultTimeoutMs: number): ParsedSubmit {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw bad('the body must be a JSON object: {"capability", "input", "wait", "queue", "timeoutMs"}')
  }
  const b = object(body, SUBMIT_FIELDS)
  if (typeof b.capability !== 'string' || !CAPABILITY_PATTERN.test(b.capability)) {
    throw bad('capability must be a name of letters, digits and . _ : / - (at most 128), e.g. "text.upper"')
  }
  for (const flag of ['wait', 'queue']) {
    if (b[flag] !== undefined && typeof b[flag] !== 'boolean') throw bad(`${flag} must be true or false`)
  }
  return {
    capability: b.capability,
    input: b.input ?? null,
    wait: b.wait !== false,
    queue: b.queue === true,
    timeoutMs: integer(b, 'timeoutMs', 1, MAX_TASK_TIMEOUT_MS, defaultTimeoutMs)
  }
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

/** GET /v1/events?types=a,b. */
export function parseEventTypes(query: URLSearchParams): string[] | undefined {
  const types = query
    .get('types')
    ?.split(',')
    .filter((t) => t !== '')
  if (types?.some((t) => !/^[a-z_]{1,32}$/.test(t)))
    throw bad('types must be a comma-separated list of event types')
  return types
}
