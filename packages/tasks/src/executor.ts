import type { AgentRuntime } from '@mesh-node/agents'
import type { Logger } from 'pino'
import type { TaskEvents } from './events.js'
import type { TaskPieces } from './pieces.js'
import type { RunningTable } from './running.js'
import { bounded, type Step, type TaskState, upstreamOf } from './task-state.js'

export interface ExecutorComponents {
  runtime: AgentRuntime
  selfPeerId: string
  events: TaskEvents
  log: Logger
  /** Streamed pieces of running tasks; without it, handlers' pieces go nowhere. */
  pieces?: TaskPieces
  /** Confirms to the sender that a task from a peer has started; without it, none is sent. */
  running?: Pick<RunningTable, 'started'>
}

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

  async run(state: TaskState): Promise<Step> {
    const self = this.c.selfPeerId
    // Full right now: skip without an attempt, as a remote would answer busy.
    if (!this.hasRoom(state)) return { kind: 'busy' }
    state.observer?.started(self)
    const upstream = upstreamOf(state, self)
    const pieces = this.c.pieces?.emitter(state.taskId, upstream)
    const ranAt = performance.now()
    const run = this.c.runtime.runTask(
      {
        type: 'task_request',
        taskId: state.taskId,
        capability: state.capability,
        input: state.input,
        from: state.from,
        deadline: state.deadline
      },
      // The runtime enforces the request deadline itself.
      {
        signal: state.signal,
        agent: state.target?.agent,
        onPiece: pieces?.emit,
        traceId: state.trace.traceId
      }
    )
    // runTask has taken the slot before it returned: the sender may stop timing this attempt out.
    const unconfirm = upstream !== undefined ? this.c.running?.started(state.taskId, upstream) : undefined
    const outcome = await run.finally(unconfirm)
    await pieces?.close()
    state.timing.executedMs += performance.now() - ranAt
    const log = this.c.log.child({ taskId: state.taskId, traceId: state.trace.traceId })
    log.debug({ status: outcome.status }, 'task ran here')
    if (outcome.status === 'busy' || outcome.status === 'none') {
      state.observer?.ended(self, outcome.status === 'busy' ? 'busy' : 'no_agent', {})
      return outcome.status === 'busy' ? { kind: 'busy' } : { kind: 'skip' }
    }
    const error = outcome.status === 'failed' ? outcome.error : undefined
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
