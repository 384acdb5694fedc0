import { CoordinationError, type Mesh } from '@mesh-node/mesh'
import { CAPABILITY_PATTERN } from '@mesh-node/protocol'
import type { TaskDispatcher } from '../task-dispatcher.js'
import { ApiError, badRequest } from './api-error.js'
import type { Route } from './server.js'
import { taskResult } from './task-routes.js'

export interface CoordinationRoutesInit {
  mesh: Mesh
  dispatcher: TaskDispatcher
  /** Votes and auctions as they happen, for the event stream. */
  emit?: (event: { type: string; [field: string]: unknown }) => void
}

type Body = Record<string, unknown>

function object(body: unknown, fields: string[]): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest(`the body must be a JSON object with ${fields.join(', ')}`)
  const unknown = Object.keys(body).filter((k) => !fields.includes(k))
  if (unknown.length > 0) throw badRequest(`unknown field(s): ${unknown.join(', ')}`)
  return body as Body
}

function text(b: Body, field: string, max: number, required = true): string | undefined {
  const v = b[field]
  if (v === undefined && !required) return undefined
  if (typeof v !== 'string' || v.trim() === '' || v.length > max)
    throw badRequest(`${field} must be a non-empty string of at most ${max} characters`)
  return v
}

function capability(b: Body, required: boolean): string | undefined {
  const v = b.capability
  if (v === undefined && !required) return undefined
  if (typeof v !== 'string' || !CAPABILITY_PATTERN.test(v))
    throw badRequest('capability must be a capability name, e.g. "text.upper"')
  return v
}

function integer(
  b: Body,
  field: string,
  min: number,
  max: number,
  fallback: number | undefined
): number | undefined {
  const v = b[field] ?? fallback
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw badRequest(`${field} must be an integer from ${min} to ${max}`)
  return v
}

/** Coordination errors are the caller's problem, stated plainly; anything else is ours. */
async function explained<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof CoordinationError) {
      const status = err.code === 'too_many_rounds' ? 429 : err.code === 'bad_request' ? 400 : 409
      throw new ApiError(status, err.code, err.message)
    }
    throw err
  }
}

/** Votes, auctions and collaborative solving: the leaderless rounds. */
export function coordinationRoutes({ mesh, dispatcher, emit }: CoordinationRoutesInit): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/votes',
      handler: async ({ body }) => {
        const b = object(body, ['question', 'options', 'capability', 'quorum', 'timeoutMs'])
        const question = text(b, 'question', 2000) as string
        const options = b.options
        if (
          !Array.isArray(options) ||
          options.length === 0 ||
          options.length > 32 ||
          options.some((o) => typeof o !== 'string' || o === '' || o.length > 2000)
        ) {
          throw badRequest('options must be 1 to 32 non-empty strings')
        }
        const cap = capability(b, false)
        emit?.({ type: 'vote_started', question, options, capability: cap ?? null })
        const result = await explained(
          async () =>
            await mesh.coordination.vote({
              question,
              options: options as string[],
              capability: cap,
              quorum: integer(b, 'quorum', 1, 64, undefined),
              timeoutMs: integer(b, 'timeoutMs', 1, 600_000, 10_000) as number
            })
        )
        emit?.({ type: 'vote_done', question, result })
        return result
      }
    },
    {
      method: 'POST',
      path: '/v1/auctions',
      handler: async ({ body, req }) => {
        const b = object(body, ['capability', 'input', 'deadlineMs', 'timeoutMs'])
        const cap = capability(b, true) as string
        const deadlineMs = integer(b, 'deadlineMs', 1, 60_000, 2000) as number
        const timeoutMs = integer(b, 'timeoutMs', 1, 600_000, 30_000) as number
        emit?.({ type: 'auction_started', capability: cap, deadlineMs })
        const { correlationId, bids } = await explained(
          async () => await mesh.auctions.collect({ capability: cap, input: b.input ?? null, deadlineMs })
        )
        emit?.({
          type: 'auction_closed',
          capability: cap,
          correlationId,
          bids: bids.length,
          winner: bids[0]?.agent ?? null,
          winnerPeerId: bids[0]?.peerId ?? null
        })
        if (bids.length === 0)
          throw new ApiError(409, 'no_bids', `no agent bid for ${cap} within ${deadlineMs} ms`)
        const order = [...new Set(bids.map((x) => x.peerId))]
        const task = dispatcher.submit({
          capability: cap,
          input: b.input ?? null,
          timeoutMs,
          queue: false,
          candidates: order
        })
        const gone = new AbortController()
        req.on('close', () => gone.abort(new Error('client went away')))
        const done = taskResult(await dispatcher.wait(task.taskId, gone.signal))
        return { ...done, correlationId, winner: bids[0].agent, winnerPeerId: bids[0].peerId, bids }
      }
    },
    {
      method: 'POST',
      path: '/v1/solve',
      handler: async ({ body, req }) => {
        const b = object(body, ['problem', 'capability', 'correlationId', 'phaseTimeoutMs'])
        const problem = text(b, 'problem', 8000) as string
        const correlationId =
          b.correlationId === undefined ? undefined : (text(b, 'correlationId', 64) as string)
        const phase = integer(b, 'phaseTimeoutMs', 100, 600_000, undefined)
        const gone = new AbortController()
        req.on('close', () => gone.abort(new Error('client went away')))
        return await explained(
          async () =>
            await mesh.coordination.solve(
              {
                problem,
                capability: capability(b, false),
                correlationId,
                phaseTimeoutsMs:
                  phase != null
                    ? { brainstorm: phase, critique: phase, vote: phase, implement: phase }
                    : undefined
              },
              async (cap, input, timeoutMs) => {
                const task = dispatcher.submit({ capability: cap, input, timeoutMs, queue: false })
                return taskResult(await dispatcher.wait(task.taskId, gone.signal))
              }
            )
        )
      }
    }
  ]
}
