import { randomUUID } from 'node:crypto'
import { MAX_TASK_TIMEOUT_MS } from '@mesh-node/protocol'
import { startTiming, traceFor, withHopSpan } from '@mesh-node/task-relay'
import type { Logger } from 'pino'
import type { Dispatch } from './dispatch.js'
import type { TaskEvents } from './events.js'
import { type RouteResult, sleep, type TaskState } from './task-state.js'
import type { SubmitOptions, TaskOutcome } from './types.js'

export interface OriginComponents {
  dispatch: Dispatch
  events: TaskEvents
  selfPeerId: string
  log: Logger
}

/** This node's side of the tasks it submits: accept, dispatch, wait out busy, and answer with one outcome. */
export class Origin {
  constructor(private readonly c: OriginComponents) {}

  async submit(options: SubmitOptions): Promise<TaskOutcome> {
    const self = this.c.selfPeerId
    const state = this.accept(options)
    const { taskId, trace } = state
    const log = this.c.log.child({ taskId, traceId: trace.traceId })
    const event = { taskId, role: 'origin' as const, capability: options.capability, from: self }
    this.c.events.emit({ ...event, status: 'started' })
    log.debug({ capability: options.capability, timeoutMs: state.deadline - Date.now() }, 'task submitted')
    const res = await this.untilRoom(state, options.signal)
    const outcome: TaskOutcome = {
      ...toOutcome(res, options.capability),
      trace: {
        traceId: trace.traceId,
        spans: withHopSpan(res.spans, {
          peerId: self,
          trace,
          timing: state.timing,
          executed: res.executor === self
        })
      }
    }
    this.c.events.emit({
      ...event,
      status: outcome.status,
      executor: outcome.executor,
      agent: outcome.agent,
      path: outcome.path,
      error: outcome.error
    })
    log.debug(
      { status: outcome.status, executor: outcome.executor, path: outcome.path, error: outcome.error?.code },
      'task finished'
    )
    return outcome
  }

  private accept(options: SubmitOptions): TaskState {
    const self = this.c.selfPeerId
    const taskId = options.taskId ?? randomUUID()
    const timeoutMs = Math.min(Math.max(1, options.timeoutMs), MAX_TASK_TIMEOUT_MS)
    return {
      taskId,
      capability: options.capability,
      input: options.input,
      from: self,
      deadline: Date.now() + timeoutMs,
      hops: 0,
      path: [self],
      trace: traceFor(taskId, options.traceparent),
      timing: startTiming(),
      signal: options.signal,
      observer: options.observer,
      preferPeer: options.preferPeer,
      candidates: options.candidates,
      failover: options.failover,
      target: options.target,
      retry: options.retry
    }
  }

  /**
   * Everyone capable is at capacity: back off and try again until the
   * deadline, instead of failing work the mesh will have room for soon.
   */
  private async untilRoom(state: TaskState, signal: AbortSignal | undefined): Promise<RouteResult> {
    let res = await this.c.dispatch.route(state)
    let backoff = 2
    while (res.status === 'busy' && Date.now() + backoff < state.deadline && signal?.aborted !== true) {
      await sleep(backoff * (0.5 + Math.random()), signal)
      backoff = Math.min(backoff * 2, 100)
      res = await this.c.dispatch.route(state)
    }
    return res
  }
}

/** A wire answer as the submitter sees it: busy and no-agent become failures that say why. */
function toOutcome(res: RouteResult, capability: string): TaskOutcome {
  const base = { taskId: res.taskId, executor: res.executor, agent: res.agent, path: res.path }
  switch (res.status) {
    case 'completed':
      return { ...base, status: 'completed', result: res.result ?? null }
    case 'failed':
      return { ...base, status: 'failed', error: res.error ?? { code: 'failed', message: 'task failed' } }
    case 'busy':
      return {
        ...base,
        status: 'failed',
        error: {
          code: 'all_busy',
          message: `every agent that can handle ${capability} stayed busy until the deadline`
        }
      }
    default:
      return {
        ...base,
        status: 'failed',
        error:
          res.error?.code === 'timeout'
            ? res.error
            : { code: 'no_agent', message: `no agent can handle: ${capability}` }
      }
  }
}
