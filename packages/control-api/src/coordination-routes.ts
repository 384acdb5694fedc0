import type { IncomingMessage } from 'node:http'
import { parseAuction, parseSolve, parseVote } from '@mesh-node/api'
import {
  type Coordination,
  CoordinationError,
  type SubmitContext,
  type SubmitTask
} from '@mesh-node/coordination'
import type { TaskDispatcher } from '@mesh-node/dispatch'
import { ApiError } from './api-error.js'
import type { Route } from './server.js'
import { parseTraceparentHeader, taskResult } from './task-routes.js'

export interface CoordinationRoutesInit {
  coordination: Pick<Coordination, 'vote' | 'auction' | 'solve'>
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

/** Rounds run their tasks through the journaled dispatcher (the task-submitting component of coordination). */
export function dispatcherSubmit(dispatcher: Pick<TaskDispatcher, 'submit' | 'wait'>): SubmitTask {
  return async (task, { signal, traceparent }) => {
    const submitted = dispatcher.submit({ ...task, queue: false, traceparent })
    return taskResult(await dispatcher.wait(submitted.taskId, signal))
  }
}

/** A client that hangs up stops the waiting, not the task; its traceparent continues into the round's tasks. */
function contextOf(req: IncomingMessage): SubmitContext {
  const gone = new AbortController()
  req.on('close', () => gone.abort(new Error('client went away')))
  return { signal: gone.signal, traceparent: parseTraceparentHeader(req.headers.traceparent) }
}

/** Votes, auctions and collaborative solving: the leaderless rounds. */
export function coordinationRoutes({ coordination }: CoordinationRoutesInit): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/votes',
      handler: async ({ body }) => {
        const vote = parseVote(body)
        return await explained(async () => await coordination.vote(vote))
      }
    },
    {
      method: 'POST',
      path: '/v1/auctions',
      handler: async ({ body, req }) => {
        const auction = parseAuction(body)
        return await explained(async () => await coordination.auction(auction, contextOf(req)))
      }
    },
    {
      method: 'POST',
      path: '/v1/solve',
      handler: async ({ body, req }) => {
        const { problem, capability, correlationId, phaseTimeoutMs: phase } = parseSolve(body)
        const phaseTimeoutsMs =
          phase != null ? { brainstorm: phase, critique: phase, vote: phase, implement: phase } : undefined
        return await explained(
          async () =>
            await coordination.solve({ problem, capability, correlationId, phaseTimeoutsMs }, contextOf(req))
        )
      }
    }
  ]
}
