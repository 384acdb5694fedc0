import type { ApiEvent, TaskInfo } from '@mesh-node/api'

/** A task in one of these states changes no more. */
export const TERMINAL_TASK_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled'])

export interface WaitForTaskOptions {
  /** Told of every read of the task (its attempts, its status), the last one terminal. */
  onChange?: (task: TaskInfo) => void
  /** Stops waiting (the task goes on); the promise rejects with the signal's reason. */
  signal?: AbortSignal
  /** Re-read at least this often, in case an event was missed. @default 1000 */
  pollMs?: number
}

interface TaskReader {
  task(taskId: string): Promise<TaskInfo>
  events(options: { types?: string[]; signal?: AbortSignal }): AsyncGenerator<ApiEvent>
}

/**
 * Waits for a task to end: each event about it (or, should the stream miss
 * one, `pollMs` of silence) triggers a fresh read of the task.
 */
export async function waitForTask(
  client: TaskReader,
  taskId: string,
  options: WaitForTaskOptions = {}
): Promise<TaskInfo> {
  const stop = new AbortController()
  const signal = options.signal != null ? AbortSignal.any([options.signal, stop.signal]) : stop.signal
  let wake: (() => void) | undefined
  const events = (async () => {
    try {
      for await (const e of client.events({ types: ['task'], signal })) if (e.taskId === taskId) wake?.()
    } catch {
      // The periodic read carries on alone.
    }
  })()
  const onAbort = (): void => wake?.()
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    while (true) {
      signal.throwIfAborted()
      const task = await client.task(taskId)
      options.onChange?.(task)
      if (TERMINAL_TASK_STATES.has(task.status)) return task
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.pollMs ?? 1000)
        wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
    stop.abort()
    await events
  }
}
