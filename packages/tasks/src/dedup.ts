import type { RouteResult } from './task-state.js'

/** Bytes of finished answers kept in memory when there is no durable table (tests, embedding). */
const MAX_SETTLED_BYTES = 64 * 1024 * 1024

/** One origin's task: ids are the origins' to choose, so an id alone names nothing here. */
const keyOf = (taskId: string, origin: string): string => `${origin}\n${taskId}`

/**
 * A repeated task never runs twice here: a repeat while the first is at
 * work waits for the same answer (this in-memory map), and one after it
 * finished gets the answer the executor's durable table kept.
 *
 * Memory holds only the work under way. A finished answer leaves memory as
 * soon as the durable table has it, or at once when another node executed
 * it (that node de-duplicates it): 300 results of 900 KiB once kept 270 MB
 * here. Without a table, finished answers stay, bounded in count and bytes.
 */
export class Dedup {
  /** (origin, taskId) -> the work producing the answer (or, without a table, the answer). */
  private readonly executed = new Map<string, Promise<RouteResult>>()
  private readonly settledBytes = new Map<string, number>()
  /**
   * (origin, taskId) -> the executor a task relayed from here ran on. A
   * repeat goes back there, to its durable record, rather than wherever
   * routing would pick now (this node's own agents first): ~150 bytes an
   * entry, at most maxEntries.
   */
  private readonly relayed = new Map<string, string>()
  private settledTotal = 0

  constructor(
    private readonly maxEntries: number,
    /** Whether a durable table answers finished repeats. */
    private readonly durable: boolean
  ) {}

  /** The work already under way (or done) for this task here. */
  running(taskId: string, origin: string): Promise<RouteResult> | undefined {
    return this.executed.get(keyOf(taskId, origin))
  }

  remember(taskId: string, origin: string, work: Promise<RouteResult>): void {
    const key = keyOf(taskId, origin)
    this.drop(key)
    this.executed.set(key, work)
    while (this.executed.size > this.maxEntries) {
      const oldest = this.executed.keys().next().value
      if (oldest == null) break
      this.drop(oldest)
    }
  }

  /** Busy and no-agent are not executions: a retry may find room here later. */
  forget(taskId: string, origin: string): void {
    this.drop(keyOf(taskId, origin))
  }

  /** The executor that answered this task when this node relayed it, if it did. */
  relayedTo(taskId: string, origin: string): string | undefined {
    return this.relayed.get(keyOf(taskId, origin))
  }

  /** The work for the task has its answer: keep it in memory only if nothing else will answer a repeat. */
  settled(taskId: string, origin: string, result: RouteResult, executedHere: boolean): void {
    const key = keyOf(taskId, origin)
    if (!executedHere && result.executor !== undefined) this.rememberRelay(key, result.executor)
    if (this.durable || !executedHere) {
      this.drop(key)
      return
    }
    const bytes = JSON.stringify(result.result ?? null).length + JSON.stringify(result.error ?? null).length
    this.settledBytes.set(key, bytes)
    this.settledTotal += bytes
    for (const oldest of this.settledBytes.keys()) {
      if (this.settledTotal <= MAX_SETTLED_BYTES) break
      this.drop(oldest)
    }
  }

  private rememberRelay(key: string, executor: string): void {
    this.relayed.delete(key)
    this.relayed.set(key, executor)
    if (this.relayed.size > this.maxEntries) {
      const oldest = this.relayed.keys().next().value
      if (oldest !== undefined) this.relayed.delete(oldest)
    }
  }

  private drop(key: string): void {
    this.executed.delete(key)
    this.settledTotal -= this.settledBytes.get(key) ?? 0
    this.settledBytes.delete(key)
  }
}
