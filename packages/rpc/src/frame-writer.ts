import type { Stream } from '@libp2p/interface'

/**
 * Coalesces frames written in the same tick into one `send`, and respects
 * backpressure. Under load this turns many small yamux frames into a few
 * large ones; with one frame at a time it adds no delay.
 *
 * It also says how much is still waiting to leave (`pendingBytes`,
 * `pendingFrames`): frames queued here plus what the stream holds until the
 * remote opens its window. A server uses that to stop reading a peer that
 * does not read its replies.
 */
export class FrameWriter {
  private queue: Uint8Array[] = []
  private queued = 0
  private flushing = false
  /** Frames in the last batch handed to the stream, counted while the stream still holds bytes. */
  private lastBatchFrames = 0

  constructor(
    private readonly stream: Stream,
    private readonly onError: (err: Error) => void,
    /** Called when data the stream held went out (or the write failed). */
    private readonly onProgress?: () => void
  ) {
    if (onProgress != null) stream.addEventListener('idle', () => onProgress())
  }

  get pendingBytes(): number {
    return this.queued + this.stream.writeBufferLength
  }

  get pendingFrames(): number {
    return this.queue.length + (this.stream.writeBufferLength > 0 ? this.lastBatchFrames : 0)
  }

  write(frame: Uint8Array): void {
    this.queue.push(frame)
    this.queued += frame.length
    if (!this.flushing) {
      this.flushing = true
      queueMicrotask(() => {
        void this.flush()
      })
    }
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        await this.drained()
        const frames = this.queue
        const size = this.queued
        this.queue = []
        this.queued = 0
        this.lastBatchFrames = frames.length
        this.stream.send(frames.length === 1 ? (frames[0] as Uint8Array) : join(frames, size))
      }
    } catch (err) {
      this.queue = []
      this.queued = 0
      this.onError(err as Error)
      this.onProgress?.()
    } finally {
      this.flushing = false
    }
  }

  /**
   * Waits until the stream can take more. Not `stream.onDrain()`: in
   * @libp2p/utils 7.4 its promise is never renewed after the first drain, so
   * from then on it resolves at once while the stream still needs a drain,
   * and an unread peer's replies piled up in the stream's write buffer
   * without bound.
   */
  private async drained(): Promise<void> {
    const { stream } = this
    while (stream.writableNeedsDrain) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = (): void => {
          stream.removeEventListener('close', onClose)
          resolve()
        }
        const onClose = (evt: Event): void => {
          stream.removeEventListener('drain', onDrain)
          reject((evt as Event & { error?: Error }).error ?? new Error('stream closed'))
        }
        stream.addEventListener('drain', onDrain, { once: true })
        stream.addEventListener('close', onClose, { once: true })
      })
      // The stream's own drain handler resends its buffer in a microtask; let
      // it run first, then look again.
      await new Promise<void>((resolve) => queueMicrotask(resolve))
      this.onProgress?.()
    }
  }
}

function join(frames: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size)
  let offset = 0
  for (const f of frames) {
    out.set(f, offset)
    offset += f.length
  }
  return out
}
