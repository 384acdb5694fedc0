import type { TaskEvent } from './types.js'

/** The task lifecycle notices of this node, for the task list, metrics and logs. */
export class TaskEvents {
  private readonly listeners = new Set<(event: TaskEvent) => void>()

  on(listener: (event: TaskEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(event: Omit<TaskEvent, 'at'>): void {
    for (const l of this.listeners) {
      try {
        l({ ...event, at: Date.now() })
      } catch {
        /* listeners must not break routing */
      }
    }
  }
}
