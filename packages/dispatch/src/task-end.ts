import type { TaskJournal, TaskRecord } from '@mesh-node/journal'

/** The statuses a task never leaves. */
export const TERMINAL = new Set(['completed', 'failed', 'cancelled'])

/** Resolves with the task once the journal records it finished; rejects with the signal's reason on abort. */
export async function waitForEnd(
  journal: TaskJournal,
  taskId: string,
  signal?: AbortSignal
): Promise<TaskRecord> {
  const current = journal.get(taskId)
  if (current == null) throw new Error(`unknown task ${taskId}`)
  if (TERMINAL.has(current.status)) return current
  return await new Promise((resolve, reject) => {
    const off = journal.onChange((task) => {
      if (task.taskId === taskId && TERMINAL.has(task.status)) {
        off()
        resolve(task)
      }
    })
    signal?.addEventListener(
      'abort',
      () => {
        off()
        reject(signal.reason)
      },
      { once: true }
    )
  })
}
