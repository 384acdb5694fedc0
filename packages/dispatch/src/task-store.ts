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
 * What this node did for others, in memory, bounded so a busy node cannot
 * grow without limit. Tasks it submitted itself live in the durable journal.
 */
export function createTaskStore(maxEntries = 10_000): TaskStore {
  const tasks = new Map<string, SeenTask>()
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
      // Re-insert so the map stays in update order; the oldest falls off.
      tasks.delete(rec.taskId)
      tasks.set(rec.taskId, rec)
      const oldest = tasks.keys().next().value
      if (tasks.size > maxEntries && oldest !== undefined) tasks.delete(oldest)
    },
    get: (taskId) => tasks.get(taskId),
    list: (limit = 100) => [...tasks.values()].slice(-limit).reverse()
  }
}
