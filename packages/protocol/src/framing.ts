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
 *
 * Chunks of a frame whose length is known are only collected, and joined
 * once the whole frame is there: a 1 MiB frame sent 64 bytes at a time must
 * cost linear time, not one copy of the growing buffer per chunk.
 */
export class FrameDecoder {
  private buffer: Uint8Array = new Uint8Array(0)
  private readonly parts: Uint8Array[] = []
  private partBytes = 0
  /** Bytes (buffer plus parts) that complete the frame being read; 0 while its length is unknown. */
  private need = 0

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  push(chunk: Chunk): Uint8Array[] {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
    if (bytes.length === 0) return []
    this.parts.push(bytes)
    this.partBytes += bytes.length
    if (this.need > 0 && this.buffer.length + this.partBytes < this.need) return []
    this.buffer = join(this.buffer, this.parts, this.partBytes)
    this.parts.length = 0
    this.partBytes = 0
    return this.drain()
  }

  /** Bytes received but not yet part of a whole frame. */
  get pending(): number {
    return this.buffer.length + this.partBytes
  }

  private drain(): Uint8Array[] {
    const frames: Uint8Array[] = []
    let offset = 0
    this.need = 0
    while (offset < this.buffer.length) {
      const header = readLength(this.buffer, offset)
      if (header === undefined) break
      const [length, start] = header
      if (length > this.maxFrameBytes) throw new FrameTooLargeError(length, this.maxFrameBytes)
      if (this.buffer.length - start < length) {
        this.need = start - offset + length
        break
      }
      frames.push(this.buffer.subarray(start, start + length))
      offset = start + length
    }
    this.buffer = offset === 0 ? this.buffer : this.buffer.subarray(offset)
    return frames
  }
}

/** The varint at `offset`: [length, index of the body], or undefined when it is incomplete. */
function readLength(buffer: Uint8Array, offset: number): [number, number] | undefined {
  let length = 0
  let shift = 0
  let i = offset
  while (i < buffer.length) {
    const b = buffer[i++] as number // in bounds: i < buffer.length
    length += (b & 0x7f) * 2 ** shift
    shift += 7
    if ((b & 0x80) === 0) return [length, i]
    if (shift > 28) throw new MalformedFrameError('frame length varint is longer than 4 bytes')
  }
  return undefined
}

function join(head: Uint8Array, parts: Uint8Array[], partBytes: number): Uint8Array {
  const [only] = parts
  if (head.length === 0 && parts.length === 1 && only != null) return only
  const out = new Uint8Array(head.length + partBytes)
  out.set(head, 0)
  let at = head.length
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
