import { type MeshClient, type TaskInfo, TERMINAL_TASK_STATES } from '@mesh-node/client'

/** Re-read a task at least this often, in case its event was missed while the stream reconnected. */
const POLL_MS = 2000

export interface TaskWaiter {
  /** Wakes the waiter of `taskId` (a `task` event arrived); `status` is reported as progress. */
  wake(taskId: string, status: string): void
  /**
   * Resolves with the task once it is terminal. `onStatus` sees each status
   * change after `reported` (the status the caller already told of).
   * Aborting `signal` cancels the mesh task and rejects.
   */
  wait(
    taskId: string,
    signal: AbortSignal,
    onStatus: (status: string) => void,
    reported?: string
  ): Promise<TaskInfo>
  readonly size: number
}

export function taskWaiter(client: MeshClient): TaskWaiter {
  const waiting = new Map<string, { wake: () => void; onStatus: (status: string) => void }>()
  return {
    get size() {
      return waiting.size
    },
    wake(taskId, status) {
      const w = waiting.get(taskId)
      if (w === undefined) return
      w.onStatus(status)
      w.wake()
    },
    async wait(taskId, signal, onStatusChange, reported) {
      let wake = () => {}
      // Reported from events and from reads alike, each change once: a change made
      // before this waiter was registered (its event already gone) shows on the first read.
      let last = reported
      const onStatus = (status: string): void => {
        if (status === last) return
        last = status
        onStatusChange(status)
      }
      // A read that an event overtook may be older than the event: only an undisturbed read reports.
      let events = 0
      const fromEvent = (status: string): void => {
        events++
        onStatus(status)
      }
      waiting.set(taskId, { wake: () => wake(), onStatus: fromEvent })
      const onAbort = () => {
        // Best effort: the task may have finished meanwhile, which the daemon reports as an error.
        client.cancel(taskId).catch(() => {})
        wake()
      }
      signal.addEventListener('abort', onAbort, { once: true })
      try {
        for (;;) {
          if (signal.aborted) throw signal.reason
          const woken = new Promise<void>((resolve) => {
            wake = resolve
          })
          const before = events
          const task = await client.task(taskId)
          if (TERMINAL_TASK_STATES.has(task.status)) return task
          if (events === before) onStatus(task.status)
          let timer: NodeJS.Timeout | undefined
          await Promise.race([woken, new Promise((r) => (timer = setTimeout(r, POLL_MS)))])
          clearTimeout(timer)
        }
      } finally {
        signal.removeEventListener('abort', onAbort)
        waiting.delete(taskId)
      }
    }
  }
}
