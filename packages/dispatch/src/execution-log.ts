import type { TaskJournal } from '@mesh-node/journal'
import type { ExecutionOutcome, ExecutionStore, StoredExecution } from '@mesh-node/tasks'
import { BloomFilter } from './bloom-filter.js'

export interface BufferedExecutions extends ExecutionStore {
  /** Writes everything buffered now (before the database closes). */
  flush(): void
}

/** How records of finished runs wait to be written together; the window a crash can lose. */
const GROUP_COMMIT_MS = 5

/** Executions are an origin's task: the id alone names nothing here. */
const keyOf = (taskId: string, origin: string): string => `${origin}\n${taskId}`

interface PendingStart {
  taskId: string
  origin: string
  attempt: number
  agent: string
  committed: { resolve: () => void; reject: (err: unknown) => void }
}

/**
 * The executor's record of its runs, written in groups. Starts: every start
 * of one event-loop tick in one transaction, and each handler waits for it,
 * so no handler runs without a durable start (one transaction per tick, not
 * per task: the accept/exec path is benchmarked). Finishes: one transaction
 * every few milliseconds instead of one per task, which was a third of the
 * executor's CPU under load; lookups see buffered records at once, so
 * de-duplication is exact while the process lives, and a crash inside those
 * milliseconds leaves a start without its finish: the run counts as
 * interrupted and, if idempotent, runs again (ARCHITECTURE.md names it).
 */
export function bufferedExecutions(journal: TaskJournal): BufferedExecutions {
  const finishes = new Map<string, { taskId: string; origin: string; outcome: ExecutionOutcome }>()
  const starts = new Map<string, PendingStart>()
  let finishTimer: NodeJS.Timeout | undefined
  let startTick: NodeJS.Immediate | undefined
  // Most tasks are new: answer those from memory, not with a query.
  const known = new BloomFilter()
  for (const { taskId, origin } of journal.executionKeys()) known.add(keyOf(taskId, origin))

  const flushStarts = (): void => {
    if (startTick != null) clearImmediate(startTick)
    startTick = undefined
    if (starts.size === 0) return
    const batch = [...starts.values()]
    starts.clear()
    try {
      journal.beginExecutions(
        batch.map(({ taskId, origin, attempt, agent }) => ({ taskId, origin, attempt, agent }))
      )
    } catch (err) {
      for (const s of batch) s.committed.reject(err)
      return
    }
    for (const s of batch) s.committed.resolve()
  }

  const flushFinishes = (): void => {
    if (finishTimer != null) clearTimeout(finishTimer)
    finishTimer = undefined
    if (finishes.size === 0) return
    const batch = [...finishes]
    journal.recordExecutions(batch.map(([, entry]) => entry))
    for (const [key] of batch) finishes.delete(key)
  }

  return {
    get(taskId, origin): StoredExecution | undefined {
      const key = keyOf(taskId, origin)
      const finished = finishes.get(key)
      if (finished != null) return finished.outcome
      const starting = starts.get(key)
      if (starting != null) return { status: 'running', attempt: starting.attempt, agent: starting.agent }
      return known.mightContain(key) ? journal.getExecution(taskId, origin) : undefined
    },
    async begin(taskId, origin, attempt, agent) {
      const key = keyOf(taskId, origin)
      known.add(key)
      startTick ??= setImmediate(flushStarts)
      return await new Promise<void>((resolve, reject) => {
        // A second start of the same task in one tick (only if memory forgot the
        // first) is committed with it: both wait for the same transaction.
        const earlier = starts.get(key)?.committed
        const committed = {
          resolve: () => {
            earlier?.resolve()
            resolve()
          },
          reject: (err: unknown) => {
            earlier?.reject(err)
            reject(err)
          }
        }
        starts.set(key, { taskId, origin, attempt, agent, committed })
      })
    },
    record(taskId, origin, outcome) {
      const key = keyOf(taskId, origin)
      finishes.set(key, { taskId, origin, outcome })
      known.add(key)
      finishTimer ??= setTimeout(flushFinishes, GROUP_COMMIT_MS)
    },
    flush() {
      flushStarts()
      flushFinishes()
    }
  }
}
