import { createHash } from 'node:crypto'
import { IDEMPOTENCY_KEY_HEADER, type ParsedSubmit, parseIdempotencyKey, parseSubmit } from '@mesh-node/api'
import { BacklogFullError, type TaskDispatcher } from '@mesh-node/dispatch'
import { JournalError, type TaskRecord as JournalRecord } from '@mesh-node/journal'
import type { Mesh } from '@mesh-node/mesh'
import { parseTraceparent } from '@mesh-node/tasks'
import { ApiError, badRequest } from './api-error.js'
import { InputCheck } from './input-check.js'
import { ApiReply, type Route } from './server.js'
import { resolveTarget } from './task-target.js'

export interface SubmitRouteInit {
  mesh: Mesh
  dispatcher: TaskDispatcher
  defaultTimeoutMs: number
  resultOf: (task: JournalRecord) => unknown
}

/**
 * `POST /v1/tasks`. The task is journaled (group commit, see the dispatcher's journal-writes.ts)
 * before the 202; an Idempotency-Key is looked up once, and its request hash
 * computed once.
 */
export function submitRoute({ mesh, dispatcher, defaultTimeoutMs, resultOf }: SubmitRouteInit): Route {
  const inputCheck = new InputCheck(mesh.registry)
  return {
    method: 'POST',
    path: '/v1/tasks',
    handler: async ({ body, req, res }) => {
      const submit = parseSubmit(body, defaultTimeoutMs)
      const idempotencyKey = parseIdempotencyKey(req.headers[IDEMPOTENCY_KEY_HEADER])
      const requestHash = idempotencyKey != null ? hashSubmit(submit) : undefined
      let task = replayed(dispatcher, idempotencyKey, requestHash)
      let replay = task != null
      if (task == null) {
        inputCheck.assertInput(submit.capability, submit.input)
        const traceparent = parseTraceparentHeader(req.headers.traceparent)
        const target = resolveTarget(mesh.registry, submit.capability, submit)
        try {
          task = await dispatcher.submitDurable({
            ...submit,
            target,
            traceparent,
            idempotencyKey,
            requestHash
          })
        } catch (err) {
          if (err instanceof BacklogFullError) {
            res.setHeader('retry-after', '1')
            throw new ApiError(429, err.code, err.message)
          }
          // Another submit with this key got into the same group commit first: answer as for a later one.
          const earlier = err instanceof JournalError && err.code === 'duplicate_key'
          task = earlier ? replayed(dispatcher, idempotencyKey, requestHash) : undefined
          if (task == null) throw err
          replay = true
        }
      }
      if (replay) res.setHeader('idempotent-replayed', 'true')
      if (!submit.wait) return new ApiReply(replay ? 200 : 202, { taskId: task.taskId })
      // A client that hangs up stops waiting; the task itself goes on.
      const gone = new AbortController()
      req.on('close', () => gone.abort(new Error('client went away')))
      return resultOf(await dispatcher.wait(task.taskId, gone.signal))
    }
  }
}

/** What identifies a submit for its Idempotency-Key: every field but `wait`, defaults applied. */
function hashSubmit(submit: ParsedSubmit): string {
  const { capability, input, queue, timeoutMs, agent, peer, retry } = submit
  // `retry` joins only when set, so keys hashed before it existed still match.
  const fields = [capability, input, queue, timeoutMs, agent ?? null, peer ?? null]
  return createHash('sha256')
    .update(JSON.stringify(retry != null ? [...fields, retry] : fields))
    .digest('base64url')
}

/** The task an earlier submit with this key created; 409 when that submit asked for something else. */
function replayed(
  dispatcher: TaskDispatcher,
  key: string | undefined,
  requestHash: string | undefined
): JournalRecord | undefined {
  if (key == null || requestHash == null) return undefined
  const found = dispatcher.replayOf(key, requestHash)
  if (found.kind === 'new') return undefined
  if (found.kind === 'replay') return found.task
  throw new ApiError(
    409,
    'idempotency_conflict',
    `Idempotency-Key ${key} was already used for task ${found.task.taskId} with a different request; send a fresh key to submit a new task`
  )
}

/** A W3C traceparent header (version 00): kept when valid, refused with what to send when not. */
export function parseTraceparentHeader(value: string | string[] | undefined): string | undefined {
  if (value == null) return undefined
  const text = Array.isArray(value) ? value[0] : value
  if (text == null) return undefined
  if (parseTraceparent(text.trim().toLowerCase()) == null)
    throw badRequest(
      `traceparent header ${JSON.stringify(text.slice(0, 80))} is not a W3C trace context: send 00-<32 hex trace id>-<16 hex span id>-<2 hex flags> with non-zero ids, or no header`,
      'bad_traceparent'
    )
  return text.trim().toLowerCase()
}
