import type { HopTiming, RouteResult, TraceContext } from '@mesh-node/task-relay'
import { CANCELLED } from './constants.js'
import type { OutcomeError, SubmitOptions } from './types.js'

/**
 * Everything this node knows about one task while it works on it, as origin,
 * forwarder or executor: where it came from, how long it may take, its trace
 * and time accounting, and, from the submit options, its target, its
 * restrictions and the signal that cancels it (at a receiver: the cancel
 * table's; only the origin has an observer, candidates, failover; a
 * receiver has preferPeer for a repeat it relayed before).
 */
export interface TaskState
  extends Pick<
    SubmitOptions,
    'signal' | 'observer' | 'preferPeer' | 'candidates' | 'failover' | 'target' | 'retry'
  > {
  taskId: string
  capability: string
  input: unknown
  /** The origin's peer id. */
  from: string
  deadline: number
  hops: number
  /** Visited peers, this node last. */
  path: string[]
  trace: TraceContext
  timing: HopTiming
  /** At a forwarder: the origin's token of this attempt, passed on unchanged (signing.ts). */
  token?: string
  /** The origin's signature of the task (request-signing.ts): made once at the origin, passed on by forwarders. */
  osig?: string
  /** At an executor: the origin its record is kept under, `from` unless unverified (request-signing.ts). */
  claim?: string
}

/** A task_result without its envelope: what each hop hands back to the one before. */
export type { RouteResult } from '@mesh-node/task-relay'

/**
 * How trying one candidate went. `done` answers the task now; `failed` is a
 * handler failure the task may fail over from; the rest move on to the next.
 */
export type Step =
  | { kind: 'done'; result: RouteResult }
  | { kind: 'failed'; result: RouteResult }
  | { kind: 'busy' }
  | { kind: 'skip' }
  | { kind: 'lost' }

/** Where pieces of this task go from here: the peer that sent it, or none at the origin. */
export function upstreamOf(state: TaskState, self: string): string | undefined {
  return state.from === self ? undefined : state.path[state.path.length - 2]
}

export function cancelled(taskId: string, path: string[]): RouteResult {
  return {
    taskId,
    status: 'failed',
    path,
    error: { code: CANCELLED, message: 'the origin cancelled this task' }
  }
}

export function timedOut(state: TaskState, message: string): RouteResult {
  return { taskId: state.taskId, status: 'failed', path: state.path, error: { code: 'timeout', message } }
}

/** Error text travels in bounded fields (8 KiB on the wire). */
export function bounded(error: OutcomeError | undefined): OutcomeError | undefined {
  if (error == null) return undefined
  return {
    code: error.code.slice(0, 64),
    message: error.message.length > 8000 ? `${error.message.slice(0, 8000)}…` : error.message
  }
}

export const sleep = async (ms: number, signal?: AbortSignal): Promise<void> =>
  await new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t)
        resolve()
      },
      { once: true }
    )
  })
