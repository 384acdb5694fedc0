import type { RouteResult } from './task-state.js'
import type { ExecutionOutcome, ExecutionStore } from './types.js'

/** Bytes of finished answers kept in memory when there is no durable table (tests, embedding). */
const MAX_SETTLED_BYTES = 64 * 1024 * 1024

/**
 * A repeated task id never runs twice here: a repeat while the first is at
 * work waits for the same answer (the in-memory map), and one after it
 * finished gets the answer the durable executions table kept.
 *
 * Memory holds only the work under way. A finished answer leaves memory as
 * soon as the durable table has it, or at once when another node executed
 * it (that node de-duplicates it): 300 results of 900 KiB once kept 270 MB
 * here. Without a table, finished answers stay, bounded in count and bytes.
 */
export class Dedup {
  /** taskId -> the work producing the answer (or, without a table, the answer). */
  private readonly executed = new Map<string, Promise<RouteResult>>()
  private readonly settledBytes = new Map<string, number>()
  private settledTotal = 0

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
    this.forget(taskId)
    this.executed.set(taskId, work)
    while (this.executed.size > this.maxEntries) {
      const oldest = this.executed.keys().next().value
      if (oldest == null) break
      this.forget(oldest)
    }
  }

  /** Busy and no-agent are not executions: a retry may find room here later. */
  forget(taskId: string): void {
    this.executed.delete(taskId)
    this.settledTotal -= this.settledBytes.get(taskId) ?? 0
    this.settledBytes.delete(taskId)
  }

  record(taskId: string, origin: string, outcome: ExecutionOutcome): void {
    this.store?.record(taskId, origin, outcome)
  }

  /** The work for `taskId` has its answer: keep it in memory only if nothing else will answer a repeat. */
  settled(taskId: string, result: RouteResult, executedHere: boolean): void {
    if (this.store != null || !executedHere) {
      this.forget(taskId)
      return
    }
    const bytes = JSON.stringify(result.result ?? null).length + JSON.stringify(result.error ?? null).length
    this.settledBytes.set(taskId, bytes)
    this.settledTotal += bytes
    for (const oldest of this.settledBytes.keys()) {
      if (this.settledTotal <= MAX_SETTLED_BYTES) break
      this.forget(oldest)
    }
  }
}
