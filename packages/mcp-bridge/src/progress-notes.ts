import type { MeshClient, TaskStreamEvent } from '@mesh-node/client'
import type { ServerNotification } from '@modelcontextprotocol/sdk/types.js'

/** Longest message of one progress notification; partial text is cut to it. */
const MAX_MESSAGE = 1000
const SETTLE_MS = 50

/**
 * MCP progress notifications for one tool call whose client sent a
 * `progressToken`: the mesh task's status changes and, as they come, the
 * pieces its agent streams (progress messages and partial output). MCP wants
 * `progress` to rise with every notification, so it counts them.
 */
export class ProgressNotes {
  private count = 0
  private lastAt = 0

  constructor(
    private readonly token: string | number,
    private readonly send: (note: ServerNotification) => Promise<void>
  ) {}

  status(status: string): void {
    this.note(`mesh task ${status}`)
  }

  piece(event: Exclude<TaskStreamEvent, { type: 'result' }>): void {
    const data = event.piece.data as { text?: unknown; message?: unknown } | null
    const text =
      typeof data?.text === 'string'
        ? data.text
        : typeof data?.message === 'string'
          ? data.message
          : JSON.stringify(data)
    this.note(`${event.type}: ${text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text}`)
  }

  /** Turns the task's streamed pieces into notifications until `signal` aborts or the task ends. */
  async follow(client: MeshClient, taskId: string, signal: AbortSignal): Promise<void> {
    try {
      for await (const event of client.stream(taskId, { signal })) {
        if (event.type === 'result') return
        this.piece(event)
      }
    } catch {
      /* best effort: the tool result does not depend on the stream */
    }
  }

  /**
   * Resolves once the last notification is SETTLE_MS old. The SDK's client
   * runs notification handlers a microtask late but forgets a request's
   * progress handler as soon as its response is read, so a notification
   * read in the same chunk as the result is dropped; a short gap avoids it
   * (on a loaded machine it may still happen to the last one).
   */
  async settled(): Promise<void> {
    const wait = this.lastAt + SETTLE_MS - Date.now()
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
  }

  private note(message: string): void {
    this.count++
    this.lastAt = Date.now()
    this.send({
      method: 'notifications/progress',
      params: { progressToken: this.token, progress: this.count, message }
    }).catch(() => {})
  }
}
