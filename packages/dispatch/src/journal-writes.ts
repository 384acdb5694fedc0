import type { TaskJournal } from '@mesh-node/journal'

interface Pending {
  write: () => unknown
  resolve: (value: unknown) => void
  reject: (err: Error) => void
}

/**
 * Group commit of the origin's journal writes: accepts, attempts started,
 * results. Every write asked for in one turn of the event loop goes into one
 * SQLite transaction at the end of that turn (`journal.group`), and each
 * promise settles after that commit: a task is durable before its 202, an
 * attempt before its request goes out, at one commit per turn instead of
 * one per write. The commit is the main cost of each of them (~0.1 ms).
 * `maxGroup` bounds a group; the turn bounds it anyway.
 */
export class JournalWrites {
  private pending: Pending[] = []
  private accepts = 0

  constructor(
    private readonly journal: Pick<TaskJournal, 'group'>,
    /** Told how many accepts each commit made durable, so dispatch can give the intake its turn (dispatch-pump.ts). */
    private readonly onAccepts?: (count: number) => void,
    private readonly maxGroup = 1024
  ) {}

  /** `write` runs inside the group's transaction; resolves with its value once committed. */
  run<T>(write: () => T, kind: 'accept' | 'other' = 'other'): Promise<T> {
    if (kind === 'accept') this.accepts++
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ write, resolve: resolve as (value: unknown) => void, reject })
      if (this.pending.length === 1) setImmediate(() => this.commit())
      else if (this.pending.length >= this.maxGroup) this.commit()
    })
  }

  private commit(): void {
    const group = this.pending
    const accepts = this.accepts
    if (group.length === 0) return
    this.pending = []
    this.accepts = 0
    let outcomes: unknown[]
    try {
      outcomes = this.journal.group(group.map((p) => p.write))
    } catch (err) {
      for (const p of group) p.reject(err as Error)
      return
    }
    if (accepts > 0) this.onAccepts?.(accepts)
    group.forEach((p, i) => {
      const outcome = outcomes[i]
      if (outcome instanceof Error) p.reject(outcome)
      else p.resolve(outcome)
    })
  }
}
