import type { StreamedPiece, TaskPieces } from '@mesh-node/tasks'

/** One buffered piece, numbered per task at this node: the SSE event id. */
export interface BufferedPiece {
  id: number
  piece: StreamedPiece
}

/** Pieces kept per task for resuming readers, in count and JSON characters; the oldest go first. */
export const MAX_BUFFERED_PIECES = 256
export const MAX_BUFFERED_CHARS = 512 * 1024
/** Tasks with buffered pieces; the task whose pieces came least recently goes first. */
export const MAX_BUFFERED_TASKS = 1024

interface TaskBuffer {
  next: number
  chars: number
  pieces: { entry: BufferedPiece; chars: number }[]
  listeners: Set<(entry: BufferedPiece) => void>
}

/**
 * The origin's memory of the pieces its tasks streamed, for
 * `GET /v1/tasks/:id/stream`: a bounded buffer per task, so a reader that
 * reconnects with `Last-Event-ID` gets what it missed (while it is still
 * held), and live listeners. Pieces are not journaled; the result is.
 */
export class TaskStreams {
  private readonly tasks = new Map<string, TaskBuffer>()
  readonly stop: () => void

  constructor(pieces: Pick<TaskPieces, 'onPiece'>) {
    this.stop = pieces.onPiece((piece) => this.add(piece))
  }

  /**
   * Calls `listener` with every held piece after `afterId`, then with each
   * new one, until the returned function is called.
   */
  follow(taskId: string, afterId: number, listener: (entry: BufferedPiece) => void): () => void {
    const buffer = this.buffer(taskId)
    for (const { entry } of buffer.pieces) if (entry.id > afterId) listener(entry)
    buffer.listeners.add(listener)
    return () => {
      buffer.listeners.delete(listener)
    }
  }

  private add(piece: StreamedPiece): void {
    const buffer = this.buffer(piece.taskId)
    // Most recently active last: eviction takes the quietest task.
    this.tasks.delete(piece.taskId)
    this.tasks.set(piece.taskId, buffer)
    const entry = { id: buffer.next++, piece }
    const chars = JSON.stringify(piece).length
    buffer.pieces.push({ entry, chars })
    buffer.chars += chars
    while (buffer.pieces.length > MAX_BUFFERED_PIECES || buffer.chars > MAX_BUFFERED_CHARS) {
      buffer.chars -= buffer.pieces.shift()?.chars ?? 0
    }
    for (const listener of buffer.listeners) listener(entry)
  }

  private buffer(taskId: string): TaskBuffer {
    let buffer = this.tasks.get(taskId)
    if (buffer === undefined) {
      buffer = { next: 1, chars: 0, pieces: [], listeners: new Set() }
      this.tasks.set(taskId, buffer)
      if (this.tasks.size > MAX_BUFFERED_TASKS) this.evictOne()
    }
    return buffer
  }

  private evictOne(): void {
    for (const [taskId, buffer] of this.tasks) {
      // A buffer someone is reading stays; the next quietest one goes.
      if (buffer.listeners.size > 0) continue
      this.tasks.delete(taskId)
      return
    }
  }
}
