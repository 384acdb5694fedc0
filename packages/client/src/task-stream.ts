import type { TaskPieceInfo, TaskResult, TaskStreamEvent } from '@mesh-node/api'
import { MeshClientError } from './errors.js'
import { sseEvents } from './topics.js'

export interface TaskStreamOptions {
  /** Resume after this event id (what `Last-Event-ID` carries). @default 0 */
  after?: number
  signal?: AbortSignal
  /** Reconnections, each resuming after the last event seen, before giving up. @default 5 */
  reconnects?: number
}

/**
 * Follows `GET /v1/tasks/:id/stream`: yields each progress and partial
 * piece, then the result, and ends. A dropped connection is resumed with
 * `Last-Event-ID`, so no piece the daemon still holds is seen twice or missed.
 */
export async function* streamTask(
  base: string,
  token: string,
  taskId: string,
  options: TaskStreamOptions = {}
): AsyncGenerator<TaskStreamEvent> {
  let after = options.after ?? 0
  let reconnects = options.reconnects ?? 5
  for (;;) {
    let res: Response
    try {
      res = await fetch(`${base}/v1/tasks/${encodeURIComponent(taskId)}/stream`, {
        headers: { authorization: `Bearer ${token}`, 'last-event-id': String(after) },
        signal: options.signal
      })
    } catch (err) {
      if (options.signal?.aborted === true) return
      if (reconnects-- > 0) continue
      throw new MeshClientError(
        `the task stream of ${taskId} failed: ${(err as Error).message}`,
        'daemon_not_running'
      )
    }
    if (!res.ok || res.body == null) {
      const body = (await res.json().catch(() => null)) as { error?: string; code?: string } | null
      throw new MeshClientError(
        body?.error ?? `task stream refused: HTTP ${res.status}`,
        body?.code ?? 'http_error',
        res.status
      )
    }
    try {
      for await (const event of sseEvents(res.body)) {
        if (event.name === 'result') {
          yield { type: 'result', result: JSON.parse(event.data) as TaskResult }
          return
        }
        if (event.name !== 'progress' && event.name !== 'partial') continue
        after = event.id ?? after
        yield { type: event.name, id: after, piece: JSON.parse(event.data) as TaskPieceInfo }
      }
    } catch (err) {
      if (options.signal?.aborted === true) return
      if (reconnects <= 0) throw err
    }
    if (options.signal?.aborted === true) return
    if (reconnects-- <= 0)
      throw new MeshClientError(`the task stream of ${taskId} ended before its result`, 'stream_ended')
  }
}
