import { MAX_FRAME_BYTES } from './constants.js'

/**
 * Frames on mesh streams: an unsigned LEB128 varint byte length, then that
 * many bytes of UTF-8 JSON (the same prefix as libp2p's length-prefixed
 * streams, so `lpStream` from @libp2p/utils reads them too).
 */

export class FrameTooLargeError extends Error {
  override name = 'FrameTooLargeError'
  constructor(
    readonly length: number,
    readonly limit: number
  ) {
    super(`frame of ${length} bytes exceeds the limit of ${limit}`)
  }
}

export class MalformedFrameError extends Error {
  override name = 'MalformedFrameError'
}

const encoder = new TextEncoder()

export function encodeFrame(message: unknown): Uint8Array {
  const body = encoder.encode(JSON.stringify(message))
  const prefix = varintLength(body.length)
  const out = new Uint8Array(prefix + body.length)
  let n = body.length
  let i = 0
  while (n >= 0x80) {
    out[i++] = (n & 0x7f) | 0x80
    n >>>= 7
  }
  out[i] = n
  out.set(body, prefix)
  return out
}

function varintLength(n: number): number {
  let len = 1
  while (n >= 0x80) {
    n >>>= 7
    len++
  }
  return len
}

/** Anything with `subarray()` per chunk: Uint8Array, or libp2p's Uint8ArrayList. */
export type Chunk = Uint8Array | { subarray(): Uint8Array }

/**
 * Incremental decoder: feed it chunks as they arrive, get whole frame bodies
 * back. A declared length over the limit throws before any of it is buffered.
 */
export class FrameDecoder {
  private buffer: Uint8Array = new Uint8Array(0)

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  push(chunk: Chunk): Uint8Array[] {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
    this.buffer = this.buffer.length === 0 ? bytes : concat(this.buffer, bytes)
    const frames: Uint8Array[] = []
    let offset = 0
    while (offset < this.buffer.length) {
      let length = 0
      let shift = 0
      let i = offset
      let complete = false
      while (i < this.buffer.length) {
        const b = this.buffer[i++]
        length += (b & 0x7f) * 2 ** shift
        shift += 7
        if ((b & 0x80) === 0) {
          complete = true
          break
        }
        if (shift > 28) throw new MalformedFrameError('frame length varint is longer than 4 bytes')
      }
      if (!complete) break
      if (length > this.maxFrameBytes) throw new FrameTooLargeError(length, this.maxFrameBytes)
      if (this.buffer.length - i < length) break
      frames.push(this.buffer.subarray(i, i + length))
      offset = i + length
    }
    this.buffer = offset === 0 ? this.buffer : this.buffer.subarray(offset)
    return frames
  }

  /** Bytes received but not yet part of a whole frame. */
  get pending(): number {
    return this.buffer.length
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
