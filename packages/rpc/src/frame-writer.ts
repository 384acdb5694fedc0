import type { Stream } from '@libp2p/interface'

/**
 * Coalesces frames written in the same tick into one `send`, and respects
 * backpressure. Under load this turns many small yamux frames into a few
 * large ones; with one frame at a time it adds no delay.
 */
export class FrameWriter {
  private queue: Uint8Array[] = []
  private queued = 0
  private flushing = false

  constructor(
    private readonly stream: Stream,
    private readonly onError: (err: Error) => void
  ) {}

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
        if (this.stream.writableNeedsDrain) await this.stream.onDrain()
        const frames = this.queue
        const size = this.queued
        this.queue = []
        this.queued = 0
        this.stream.send(frames.length === 1 ? frames[0] : join(frames, size))
      }
    } catch (err) {
      this.queue = []
      this.queued = 0
      this.onError(err as Error)
    } finally {
      this.flushing = false
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
