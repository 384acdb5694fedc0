import { parseAuction, parseSolve, parseVote } from '@mesh-node/api'
import { CoordinationError, type Mesh } from '@mesh-node/mesh'
import type { TaskDispatcher } from '../task-dispatcher.js'
import { ApiError } from './api-error.js'
import type { Route } from './server.js'
import { taskResult } from './task-routes.js'

export interface CoordinationRoutesInit {
  mesh: Mesh
  dispatcher: TaskDispatcher
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
export function coordinationRoutes({ mesh, dispatcher }: CoordinationRoutesInit): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/votes',
      handler: async ({ body }) => {
        const vote = parseVote(body)
        return await explained(async () => await mesh.coordination.vote(vote))
      }
    },
    {
      method: 'POST',
      path: '/v1/auctions',
      handler: async ({ body, req }) => {
        const { capability: cap, input, deadlineMs, timeoutMs } = parseAuction(body)
        const { correlationId, bids } = await explained(
          async () => await mesh.auctions.collect({ capability: cap, input, deadlineMs })
        )
        if (bids.length === 0)
          throw new ApiError(409, 'no_bids', `no agent bid for ${cap} within ${deadlineMs} ms`)
        const order = [...new Set(bids.map((x) => x.peerId))]
        const task = dispatcher.submit({
          capability: cap,
          input,
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
        const { problem, capability, correlationId, phaseTimeoutMs: phase } = parseSolve(body)
        const gone = new AbortController()
        req.on('close', () => gone.abort(new Error('client went away')))
        return await explained(
          async () =>
            await mesh.coordination.solve(
              {
                problem,
                capability,
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
