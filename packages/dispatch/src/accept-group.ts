import type { NewTask, TaskJournal, TaskRecord } from '@mesh-node/journal'

interface Pending {
  task: NewTask
  resolve: (task: TaskRecord) => void
  reject: (err: Error) => void
}

/**
 * Group commit of accepts. Every accept asked for in one turn of the event
 * loop goes into one SQLite transaction at the end of that turn, and each
 * promise settles after that commit: the task is durable before its caller
 * answers, at one commit per turn instead of one per task. The group is
 * bounded by how many requests one turn can parse; `maxGroup` caps it anyway.
 */
export class AcceptGroup {
  private pending: Pending[] = []

  constructor(
    private readonly journal: Pick<TaskJournal, 'acceptMany'>,
    private readonly maxGroup = 1024
  ) {}

  accept(task: NewTask): Promise<TaskRecord> {
    return new Promise((resolve, reject) => {
      this.pending.push({ task, resolve, reject })
      if (this.pending.length === 1) setImmediate(() => this.commit())
      else if (this.pending.length >= this.maxGroup) this.commit()
    })
  }

  private commit(): void {
    const group = this.pending
    if (group.length === 0) return
    this.pending = []
    let outcomes: ReturnType<TaskJournal['acceptMany']>
    try {
      outcomes = this.journal.acceptMany(group.map((p) => p.task))
    } catch (err) {
      for (const p of group) p.reject(err as Error)
      return
    }
    group.forEach((p, i) => {
      const outcome = outcomes[i]
      if (outcome == null || outcome instanceof Error) p.reject(outcome ?? new Error('no outcome'))
      else p.resolve(outcome)
    })
  }
}
