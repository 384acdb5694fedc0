import type { IncomingMessage } from 'node:http'
import { parseAuction, parseSolve, parseVote } from '@mesh-node/api'
import { CoordinationError, type Mesh, type SubmitTask } from '@mesh-node/mesh'
import type { TaskDispatcher } from '../task-dispatcher.js'
import { ApiError } from './api-error.js'
import type { Route } from './server.js'
import { parseTraceparentHeader, taskResult } from './task-routes.js'

export interface CoordinationRoutesInit {
  mesh: Mesh
  dispatcher: TaskDispatcher
  /** Votes and auctions as they happen, for the event stream. */
  emit?: (event: { type: string; [field: string]: unknown }) => void
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

/** Rounds run their tasks through the journaled dispatcher; a client that hangs up stops the waiting, not the task. */
function submitTask(dispatcher: TaskDispatcher, req: IncomingMessage): SubmitTask {
  const gone = new AbortController()
  req.on('close', () => gone.abort(new Error('client went away')))
  const traceparent = parseTraceparentHeader(req.headers.traceparent)
  return async (task) => {
    const submitted = dispatcher.submit({ ...task, queue: false, traceparent })
    return taskResult(await dispatcher.wait(submitted.taskId, gone.signal))
  }
}

/** Votes, auctions and collaborative solving: the leaderless rounds. */
export function coordinationRoutes({ mesh, dispatcher, emit }: CoordinationRoutesInit): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/votes',
      handler: async ({ body }) => {
        const vote = parseVote(body)
        emit?.({
          type: 'vote_started',
          question: vote.question,
          options: vote.options,
          capability: vote.capability ?? null
        })
        const result = await explained(async () => await mesh.coordination.vote(vote))
        emit?.({ type: 'vote_done', question: vote.question, result })
        return result
      }
    },
    {
      method: 'POST',
      path: '/v1/auctions',
      handler: async ({ body, req }) => {
        const auction = parseAuction(body)
        emit?.({
          type: 'auction_started',
          capability: auction.capability,
          deadlineMs: auction.deadlineMs ?? null
        })
        try {
          const won = await explained(
            async () => await mesh.auctions.run(auction, submitTask(dispatcher, req))
          )
          emit?.({
            type: 'auction_closed',
            capability: auction.capability,
            correlationId: won.correlationId,
            bids: won.bids.length,
            winner: won.winner,
            winnerPeerId: won.winnerPeerId
          })
          return won
        } catch (err) {
          emit?.({
            type: 'auction_closed',
            capability: auction.capability,
            bids: 0,
            error: (err as Error).message
          })
          throw err
        }
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
            await mesh.coordination.solve(
              { problem, capability, correlationId, phaseTimeoutsMs },
              submitTask(dispatcher, req)
            )
        )
      }
    }
  ]
}
