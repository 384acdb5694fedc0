/**
 * @packageDocumentation
 *
 * The control API contract of a mesh-node daemon, shared by the daemon that
 * serves it and the client (and CLI) that call it, so nothing is copied by
 * hand: the JSON shapes of every request and answer (the README's Control
 * API section), the validators the daemon applies at the edge, and the names
 * of the files in a data dir.
 *
 * @example
 * ```ts
 * import { parseSubmit, type TaskResult } from '@mesh-node/api'
 *
 * const submit = parseSubmit({ capability: 'text.upper', input: 'hi' }, 30_000)
 * // submit.timeoutMs === 30_000, submit.wait === true
 * ```
 */

/** Longest task timeout any request may ask for. */
export { MAX_TASK_TIMEOUT_MS } from '@mesh-node/protocol'
export { InvalidRequestError } from './errors.js'
export { EVENT_TYPES, type EventType, parseEventTypeList } from './event-types.js'
export { API_FILE, API_TOKEN_FILE, CONFIG_FILE, DATABASE_FILE, IDENTITY_FILE, LOCK_FILE } from './files.js'
export {
  DEFAULT_AUCTION_DEADLINE_MS,
  DEFAULT_AUCTION_TIMEOUT_MS,
  DEFAULT_VOTE_TIMEOUT_MS,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_PATTERN,
  type ParsedAuction,
  type ParsedSolve,
  type ParsedSubmit,
  type ParsedVote,
  parseAgentsQuery,
  parseAuction,
  parseEventTypes,
  parseIdempotencyKey,
  parseSolve,
  parseSubmit,
  parseTaskListLimit,
  parseVote
} from './requests.js'
export type {
  AgentInfo,
  ApiErrorBody,
  ApiEvent,
  AttemptInfo,
  AuctionRequestBody,
  AuctionResultInfo,
  BidInfo,
  IdInfo,
  MemberInfo,
  PeerInfo,
  SolveRequestBody,
  SolveResultInfo,
  StatusInfo,
  SubmitRequest,
  TaskErrorInfo,
  TaskInfo,
  TaskPieceInfo,
  TaskResult,
  TaskStreamEvent,
  VoteRequestBody,
  VoteResultInfo
} from './types.js'
