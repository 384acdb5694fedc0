import type { ListTasksRequest, ListTasksResponse, Task } from '@a2a-js/sdk'
import type { TaskStore } from '@a2a-js/sdk/server'
import { taskOf } from './a2a-task.js'
import type { MeshTasks } from './mesh-tasks.js'

/**
 * The SDK's view of A2A tasks, bounded: the newest `max` tasks in memory
 * (with their history), and behind them the mesh journal, so `tasks/get`
 * still answers for a task after the memory let it go or the node restarted.
 */
export class MeshTaskStore implements TaskStore {
  private readonly tasks = new Map<string, Task>()

  constructor(
    private readonly mesh: Pick<MeshTasks, 'get'>,
    private readonly max = 1000
  ) {}

  async save(task: Task): Promise<void> {
    this.tasks.delete(task.id)
    this.tasks.set(task.id, structuredClone(task))
    while (this.tasks.size > this.max) {
      const oldest = this.tasks.keys().next().value
      if (oldest === undefined) break
      this.tasks.delete(oldest)
    }
  }

  async load(taskId: string): Promise<Task | undefined> {
    const kept = this.tasks.get(taskId)
    if (kept !== undefined) return structuredClone(kept)
    const journaled = this.mesh.get(taskId)
    return journaled === undefined ? undefined : taskOf(journaled)
  }

  async list(params: ListTasksRequest): Promise<ListTasksResponse> {
    const size = Math.min(Math.max(params.pageSize || 50, 1), 100)
    const all = [...this.tasks.values()].reverse()
    return {
      tasks: all.slice(0, size).map((t) => structuredClone(t)),
      nextPageToken: '',
      pageSize: size,
      totalSize: all.length
    }
  }
}
