import type { AgentRuntime, RunOutcome } from '@mesh-node/agents'
import { isAbandoned, isCancel, type RunningTable, type TaskPieces } from '@mesh-node/task-relay'
import type { Logger } from 'pino'
import { INTERRUPTED } from './constants.js'
import type { TaskEvents } from './events.js'
import { bounded, cancelled, type RouteResult, type Step, type TaskState, upstreamOf } from './task-state.js'
import type { ExecutionOutcome, ExecutionStore, RetryPolicy } from './types.js'

export interface ExecutorComponents {
  runtime: AgentRuntime
  selfPeerId: string
  events: TaskEvents
  log: Logger
  /** Streamed pieces of running tasks; without it, handlers' pieces go nowhere. */
  pieces?: TaskPieces
  /** Durable record of runs here; without it, only the receiver's memory stops a repeat. */
  executions?: ExecutionStore
  /** Confirms to the sender that a task from a peer has started; without it, none is sent. */
  running?: Pick<RunningTable, 'started'>
}

/**
 * What this node's durable record says about a task: answer a repeat with
 * what it stored, say busy while a run is under way, or run attempt N.
 */
export type Recorded =
  | { kind: 'answer'; outcome: ExecutionOutcome }
  | { kind: 'busy' }
  | { kind: 'run'; attempt: number }

/** Runs a task on one of this node's own agents. */
export class Executor {
  constructor(private readonly c: ExecutorComponents) {}

  /** Whether an agent here could take the task right now (a remote would answer busy otherwise). */
  hasRoom(state: TaskState): boolean {
    const agent = state.target?.agent
    return this.c.runtime
      .candidates(state.capability)
      .some((a) => a.running < a.capacity && (agent === undefined || a.name === agent))
  }

  /**
   * The one place that reads the executions table. A run a crash cut short
   * (marked `interrupted` at start) runs again as the next attempt, unless
   * the task says `retry: never`: then its answer is that failure, and it
   * must not run anywhere else either.
   */
  recorded(taskId: string, origin: string, retry: RetryPolicy | undefined): Recorded {
    const stored = this.c.executions?.get(taskId, origin)
    if (stored == null) return { kind: 'run', attempt: 1 }
    // Begun and not finished, yet not in the receiver's memory: it is running here.
    if (stored.status === 'running') return { kind: 'busy' }
    const attempt = stored.attempt ?? 1
    if (stored.status === 'failed' && stored.error?.code === INTERRUPTED && retry !== 'never')
      return { kind: 'run', attempt: attempt + 1 }
    const { status, result, error, agent } = stored
    return { kind: 'answer', outcome: { status, result, error, agent } }
  }

  async run(state: TaskState): Promise<Step> {
    const self = this.c.selfPeerId
    // Full right now: skip without an attempt, as a remote would answer busy.
    if (!this.hasRoom(state)) return { kind: 'busy' }
    const recorded = this.recorded(state.taskId, state.claim ?? state.from, state.retry)
    if (recorded.kind === 'busy') return { kind: 'busy' }
    if (recorded.kind === 'answer') return { kind: 'done', result: this.stored(state, recorded.outcome) }
    await state.observer?.started(self)
    const upstream = upstreamOf(state, self)
    const pieces = this.c.pieces?.emitter(state.taskId, upstream)
    const ranAt = performance.now()
    const { executions, running } = this.c
    let unconfirm: (() => void) | undefined
    const outcome = await this.c.runtime.runTask(
      {
        type: 'task_request',
        taskId: state.taskId,
        capability: state.capability,
        input: state.input,
        from: state.from,
        deadline: state.deadline,
        attempt: recorded.attempt
      },
      // The runtime enforces the request deadline itself.
      {
        signal: state.signal,
        agent: state.target?.agent,
        onPiece: pieces?.emit,
        traceId: state.trace.traceId,
        // Only once a slot is taken (a busy answer leaves no record), and
        // durable before the handler starts: a crash mid-run is then known.
        // The sender may stop timing this attempt out once the slot is taken (running.ts).
        beforeStart: async (agent) => {
          if (upstream !== undefined) unconfirm = running?.started(state.taskId, upstream)
          await executions?.begin(state.taskId, state.claim ?? state.from, recorded.attempt, agent)
        }
      }
    )
    unconfirm?.()
    await pieces?.close()
    state.timing.executedMs += performance.now() - ranAt
    return this.ran(state, outcome)
  }

  /** The answer the durable record kept, as this hop's result. */
  private stored(state: TaskState, outcome: ExecutionOutcome): RouteResult {
    const { status, result, error, agent } = outcome
    this.c.log.debug(
      { taskId: state.taskId, traceId: state.trace.traceId, status },
      'answered from the record'
    )
    return {
      taskId: state.taskId,
      status,
      result,
      error,
      agent,
      executor: this.c.selfPeerId,
      path: state.path
    }
  }

  private ran(state: TaskState, outcome: RunOutcome): Step {
    const self = this.c.selfPeerId
    const log = this.c.log.child({ taskId: state.taskId, traceId: state.trace.traceId })
    log.debug({ status: outcome.status }, 'task ran here')
    if (outcome.status === 'busy' || outcome.status === 'none') {
      state.observer?.ended(self, outcome.status === 'busy' ? 'busy' : 'no_agent', {})
      return outcome.status === 'busy' ? { kind: 'busy' } : { kind: 'skip' }
    }
    const error = outcome.status === 'failed' ? outcome.error : undefined
    // A cancelled run is answered (now and to any repeat) as cancelled, not as the handler's abort.
    // An abandoned attempt was cut short like a crash: an idempotent repeat runs it again, `never` does not.
    const reason = state.signal?.reason
    const answer: ExecutionOutcome = isAbandoned(reason)
      ? { status: 'failed', error: abandonedRun, agent: outcome.agent }
      : isCancel(reason)
        ? { status: 'failed', error: cancelled(state.taskId, state.path).error, agent: outcome.agent }
        : {
            status: outcome.status,
            result: outcome.status === 'completed' ? outcome.result : undefined,
            error: bounded(error),
            agent: outcome.agent
          }
    this.c.executions?.record(state.taskId, state.claim ?? state.from, answer)
    state.observer?.ended(self, outcome.status, { agent: outcome.agent, error })
    const base = { taskId: state.taskId, executor: self, agent: outcome.agent, path: state.path }
    this.c.events.emit({
      ...base,
      role: state.from === self ? 'origin' : 'executor',
      capability: state.capability,
      from: state.from,
      status: outcome.status,
      ...(error != null ? { error } : {})
    })
    if (outcome.status === 'completed') {
      return { kind: 'done', result: { ...base, status: 'completed', result: outcome.result ?? null } }
    }
    log.info({ agent: outcome.agent, error }, 'handler failed')
    const result = { ...base, status: 'failed' as const, error: bounded(error) }
    return state.failover === true ? { kind: 'failed', result } : { kind: 'done', result }
  }
}

const abandonedRun = {
  code: INTERRUPTED,
  message: 'the run was stopped because its sender gave up on the attempt (attempt timeout)'
}
