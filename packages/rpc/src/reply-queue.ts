import type { Stream } from '@libp2p/interface'
import type { Logger } from 'pino'
import { FrameWriter } from './frame-writer.js'

/**
 * The replies of one served session on their way out, with backpressure: a
 * peer that sends requests but does not read the replies would make them
 * pile up here without bound. Past the bound the session stops reading (yamux
 * then stops granting the peer send window), and reads again once half of
 * the queue has gone out.
 */
export class ReplyQueue {
  private readonly writer: FrameWriter
  private paused = false

  constructor(
    private readonly stream: Stream,
    private readonly bounds: { maxFrames: number; maxBytes: number },
    private readonly log: Logger
  ) {
    this.writer = new FrameWriter(
      stream,
      (err) => {
        log.debug({ err: err.message }, 'task session write failed')
        stream.abort(err)
      },
      () => this.relieved()
    )
  }

  send(frame: Uint8Array): void {
    this.writer.write(frame)
    if (this.paused || !this.overloaded() || this.stream.readStatus !== 'readable') return
    this.paused = true
    this.log.debug(
      { frames: this.writer.pendingFrames, bytes: this.writer.pendingBytes },
      'peer is not reading its replies: pausing the session'
    )
    // Not synchronously: inside `resume()`'s own dispatch of buffered data a
    // pause is undone by the window update `resume()` sends after it, and the
    // peer could then overflow the read buffer (and get its stream reset).
    queueMicrotask(() => {
      if (this.paused && this.stream.readStatus === 'readable') this.stream.pause()
    })
  }

  private overloaded(): boolean {
    return (
      this.writer.pendingFrames >= this.bounds.maxFrames || this.writer.pendingBytes >= this.bounds.maxBytes
    )
  }

  private relieved(): void {
    if (!this.paused) return
    if (
      this.writer.pendingFrames > this.bounds.maxFrames / 2 ||
      this.writer.pendingBytes > this.bounds.maxBytes / 2
    )
      return
    this.paused = false
    if (this.stream.readStatus === 'paused') this.stream.resume()
  }
}
