import type { TaskInfo } from '@mesh-node/api'
import type { TaskEvent } from '@mesh-node/tasks'

/** A task this node ran or forwarded for another node: the API's TaskInfo, before attempts and names. */
export interface SeenTask
  extends Pick<
    TaskInfo,
    | 'taskId'
    | 'capability'
    | 'from'
    | 'createdAt'
    | 'updatedAt'
    | 'executor'
    | 'agent'
    | 'path'
    | 'result'
    | 'error'
  > {
  role: Exclude<TaskInfo['role'], 'origin'>
  status: 'running' | 'completed' | 'failed'
}

export interface TaskStore {
  /** Records a task event for a task another node submitted. */
  record(event: TaskEvent): void
  get(taskId: string): SeenTask | undefined
  list(limit?: number): SeenTask[]
}

/**
 * What this node did for others, in memory, bounded (`maxEntries`, plus at
 * most 1/16 of it between two evictions) so a busy node cannot grow without
 * limit. Tasks it submitted itself live in the durable journal.
 */
export function createTaskStore(maxEntries = 10_000): TaskStore {
  const tasks = new Map<string, SeenTask>()
  // Evicting in batches: a Map keeps deleted slots at its front until it rehashes, so taking
  // the oldest one by one walks them again on every record (4 µs per event on an executor at
  // 10,000 entries; 1 µs in batches of 1/16, see bench/results/optimizations.md).
  const slack = Math.max(1, maxEntries >> 4)
  return {
    record(event) {
      const prev = tasks.get(event.taskId)
      const status =
        event.status === 'completed' || event.status === 'failed' ? event.status : (prev?.status ?? 'running')
      const rec: SeenTask = {
        taskId: event.taskId,
        role: event.role === 'forwarder' ? 'forwarder' : 'executor',
        capability: event.capability,
        from: event.from,
        status,
        createdAt: prev?.createdAt ?? event.at,
        updatedAt: event.at,
        executor: event.executor ?? prev?.executor,
        agent: event.agent ?? prev?.agent,
        path: event.path ?? prev?.path,
        error: event.error ?? prev?.error
      }
      // Re-insert so the map stays in update order; the oldest fall off.
      if (prev !== undefined) tasks.delete(rec.taskId)
      tasks.set(rec.taskId, rec)
      if (tasks.size > maxEntries + slack) evictOldest(tasks, tasks.size - maxEntries)
    },
    get: (taskId) => tasks.get(taskId),
    list: (limit = 100) => [...tasks.values()].slice(-limit).reverse()
  }
}

/** Drops the `count` oldest entries of `tasks` (insertion order), in one walk. */
function evictOldest(tasks: Map<string, SeenTask>, count: number): void {
  let left = count
  for (const taskId of tasks.keys()) {
    if (left-- <= 0) break
    tasks.delete(taskId)
  }
}
