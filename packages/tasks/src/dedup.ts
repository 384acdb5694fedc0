import type { RouteResult } from './task-state.js'
import type { ExecutionOutcome, ExecutionStore } from './types.js'

/**
 * A repeated task id never runs twice here: a repeat while the first is at
 * work waits for the same answer (the in-memory map, bounded), and one after
 * it finished gets the answer the durable executions table kept.
 */
export class Dedup {
  /** taskId -> the answer, or the work producing it. */
  private readonly executed = new Map<string, Promise<RouteResult>>()

  constructor(
    private readonly maxEntries: number,
    private readonly store?: ExecutionStore
  ) {}

  /** The work already under way (or done) for this task here. */
  running(taskId: string): Promise<RouteResult> | undefined {
    return this.executed.get(taskId)
  }

  /** What a finished execution answered, from the durable table. */
  finished(taskId: string): ExecutionOutcome | undefined {
    const stored = this.store?.get(taskId)
    if (stored == null || stored.status === 'running') return undefined
    return { status: stored.status, result: stored.result, error: stored.error, agent: stored.agent }
  }

  remember(taskId: string, work: Promise<RouteResult>): void {
    this.executed.set(taskId, work)
    if (this.executed.size > this.maxEntries) {
      const oldest = this.executed.keys().next().value
      if (oldest != null) this.executed.delete(oldest)
    }
  }

  /** Busy and no-agent are not executions: a retry may find room here later. */
  forget(taskId: string): void {
    this.executed.delete(taskId)
  }

  record(taskId: string, origin: string, outcome: ExecutionOutcome): void {
    this.store?.record(taskId, origin, outcome)
  }
}
