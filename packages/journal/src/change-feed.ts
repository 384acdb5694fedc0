import type { TaskRecord } from './index.js'

type Listener = (task: TaskRecord) => void

/**
 * The journal's change notifications. Each goes out only after the change
 * committed, so a listener (and anything it reads back) sees exactly what a
 * restart would; inside `journal.group` they wait for the group's commit.
 */
export class ChangeFeed {
  private readonly listeners = new Set<Listener>()
  private readonly warned = new WeakSet<Listener>()
  /** While a group runs: the changes to announce once it committed. */
  private deferred: TaskRecord[] | undefined

  get grouping(): boolean {
    return this.deferred !== undefined
  }

  on(listener: Listener): () => void {
    // Wrapped so the same function can subscribe twice and unsubscribe each.
    const entry: Listener = (task) => listener(task)
    this.listeners.add(entry)
    return () => {
      this.listeners.delete(entry)
    }
  }

  /** Runs `fn` (one transaction) holding back the announcements it makes; they go out if it returns. */
  deferWhile<T>(fn: () => T): T {
    const changed: TaskRecord[] = []
    this.deferred = changed
    let value: T
    try {
      value = fn()
    } finally {
      this.deferred = undefined
    }
    for (const task of changed) this.emit(task)
    return value
  }

  emit(task: TaskRecord): void {
    if (this.deferred !== undefined) {
      this.deferred.push(task)
      return
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(task)
      } catch (err) {
        // A broken waiter or SSE client must not undo or block the journal;
        // the change is already durable. Surface it without throwing, once
        // per listener so a persistently broken one cannot flood the log.
        if (this.warned.has(listener)) continue
        this.warned.add(listener)
        process.emitWarning(`task journal onChange listener threw: ${String(err)}`, {
          code: 'MESH_JOURNAL_LISTENER'
        })
      }
    }
  }
}
