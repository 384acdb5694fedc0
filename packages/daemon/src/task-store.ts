import type { TaskError, TaskEvent, TaskOutcome } from '@mesh-node/mesh'

/** A task this node submitted, ran or forwarded, as the API shows it. */
export interface TaskRecord {
  taskId: string
  role: 'origin' | 'executor' | 'forwarder'
  capability: string
  from: string
  status: 'running' | 'completed' | 'failed'
  createdAt: number
  updatedAt: number
  executor?: string
  agent?: string
  path?: string[]
  result?: unknown
  error?: TaskError
}

export interface TaskStore {
  record(event: TaskEvent): void
  /** The origin's final answer, with the result value. */
  finish(outcome: TaskOutcome): void
  get(taskId: string): TaskRecord | undefined
  list(limit?: number): TaskRecord[]
}

/**
 * Recent tasks in memory, newest last, bounded so a busy node cannot grow
 * without limit. The origin's durable record is the task journal.
 */
export function createTaskStore(maxEntries = 10_000): TaskStore {
  const tasks = new Map<string, TaskRecord>()
  const touch = (rec: TaskRecord): void => {
    tasks.delete(rec.taskId)
    tasks.set(rec.taskId, rec)
    if (tasks.size > maxEntries) tasks.delete(tasks.keys().next().value!)
  }
  return {
    record(event) {
      const prev = tasks.get(event.taskId)
      // The origin's view wins over what it also did as executor.
      if (prev != null && prev.role === 'origin' && event.role !== 'origin') return
      const status =
        event.status === 'started'
          ? 'running'
          : event.status === 'completed'
            ? 'completed'
            : event.status === 'failed'
              ? 'failed'
              : (prev?.status ?? 'running')
      touch({
        ...prev,
        taskId: event.taskId,
        role: event.role,
        capability: event.capability,
        from: event.from,
        status,
        createdAt: prev?.createdAt ?? event.at,
        updatedAt: event.at,
        executor: event.executor ?? prev?.executor,
        agent: event.agent ?? prev?.agent,
        path: event.path ?? prev?.path,
        error: event.error ?? prev?.error
      })
    },
    finish(outcome) {
      const prev = tasks.get(outcome.taskId)
      if (prev == null) return
      touch({
        ...prev,
        status: outcome.status,
        result: outcome.result,
        error: outcome.error,
        executor: outcome.executor,
        agent: outcome.agent,
        path: outcome.path,
        updatedAt: Date.now()
      })
    },
    get: (taskId) => tasks.get(taskId),
    list: (limit = 100) => [...tasks.values()].slice(-limit).reverse()
  }
}
