import type {
  Attempt,
  AttemptOutcome,
  ExecutionRecord,
  OutboxEntry,
  TaskError,
  TaskRecord,
  TaskRoute,
  TaskStatus
} from './index.js'

// Rows exactly as node:sqlite returns them. NULL columns mean "absent" and
// become missing properties, so a record read back equals the one written.

export interface TaskRow {
  task_id: string
  capability: string
  input: string
  origin: string
  status: TaskStatus
  created_at: number
  updated_at: number
  deadline: number
  timeout_ms: number
  queue: number
  retry: 'never' | 'idempotent'
  executor: string | null
  agent: string | null
  result: string | null
  error: string | null
  path: string | null
  idempotency_key: string | null
  request_hash: string | null
  route: string | null
}

export interface AttemptRow {
  n: number
  executor: string
  agent: string | null
  started_at: number
  ended_at: number | null
  outcome: AttemptOutcome | null
  error: string | null
}

export interface ExecutionRow {
  task_id: string
  origin: string
  status: ExecutionRecord['status']
  result: string | null
  error: string | null
  agent: string | null
  started_at: number
  ended_at: number | null
  attempt: number
}

export interface OutboxRow {
  task_id: string
  origin: string
  message: string
  created_at: number
  attempts: number
  next_attempt_at: number
}

/**
 * JSON text for a value the caller handed us. `undefined` has no JSON form;
 * it is stored as `null` rather than failing the whole state change.
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null'
}

/** Like `toJson`, but SQL NULL for absent optional values. */
export function toOptionalJson(value: unknown): string | null {
  return value === undefined ? null : toJson(value)
}

function parse(text: string): unknown {
  return JSON.parse(text)
}

export function decodeAttempt(row: AttemptRow): Attempt {
  const attempt: Attempt = { n: row.n, executor: row.executor, startedAt: row.started_at }
  if (row.agent != null) attempt.agent = row.agent
  if (row.ended_at != null) attempt.endedAt = row.ended_at
  if (row.outcome != null) attempt.outcome = row.outcome
  if (row.error != null) attempt.error = parse(row.error) as TaskError
  return attempt
}

export function decodeTask(row: TaskRow, attempts: AttemptRow[]): TaskRecord {
  const task: TaskRecord = {
    taskId: row.task_id,
    capability: row.capability,
    input: parse(row.input),
    origin: row.origin,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deadline: row.deadline,
    timeoutMs: row.timeout_ms,
    queue: row.queue !== 0,
    attempts: attempts.map(decodeAttempt)
  }
  if (row.retry === 'never') task.retry = 'never'
  if (row.executor != null) task.executor = row.executor
  if (row.agent != null) task.agent = row.agent
  if (row.result != null) task.result = parse(row.result)
  if (row.error != null) task.error = parse(row.error) as TaskError
  if (row.path != null) task.path = parse(row.path) as string[]
  if (row.idempotency_key != null) task.idempotencyKey = row.idempotency_key
  if (row.request_hash != null) task.requestHash = row.request_hash
  if (row.route != null) task.route = parse(row.route) as TaskRoute
  return task
}

export function decodeExecution(row: ExecutionRow): ExecutionRecord {
  const execution: ExecutionRecord = {
    taskId: row.task_id,
    origin: row.origin,
    status: row.status,
    startedAt: row.started_at
  }
  if (row.attempt > 1) execution.attempt = row.attempt
  if (row.result != null) execution.result = parse(row.result)
  if (row.error != null) execution.error = parse(row.error) as TaskError
  if (row.agent != null) execution.agent = row.agent
  if (row.ended_at != null) execution.endedAt = row.ended_at
  return execution
}

export function decodeOutbox(row: OutboxRow): OutboxEntry {
  return {
    taskId: row.task_id,
    origin: row.origin,
    message: parse(row.message),
    createdAt: row.created_at,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at
  }
}

/**
 * `startAttempt` on a finished task starts nothing. Hand back its last
 * attempt, or, if it never had one, an unsaved attempt numbered 0; either way
 * `outcome` is set, which tells the caller not to dispatch.
 */
export function finishedAttempt(
  last: AttemptRow | undefined,
  status: TaskStatus,
  executor: string,
  now: number
): Attempt {
  if (last != null && last.outcome != null) return decodeAttempt(last)
  const outcome: AttemptOutcome =
    status === 'completed' ? 'completed' : status === 'failed' ? 'failed' : 'cancelled'
  return { n: 0, executor, startedAt: now, endedAt: now, outcome }
}
