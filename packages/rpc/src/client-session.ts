import type { Stream } from '@libp2p/interface'
import { encodeFrame, FrameDecoder } from '@mesh-node/protocol'
import type { Logger } from 'pino'
import { RemoteProtocolError, TransportError } from './errors.js'
import { FrameWriter } from './frame-writer.js'
import { describeInvalid, type Envelope, type MessageDef } from './message.js'
import { ERROR_CHECK, parseFrame } from './wire.js'

interface Pending {
  def: MessageDef
  resolve(msg: Envelope): void
  reject(err: Error): void
  timer: NodeJS.Timeout
}

/** One outbound stream to a peer, carrying many requests at once, matched by id. */
export class ClientSession {
  readonly pending = new Map<string, Pending>()
  private readonly decoder: FrameDecoder
  private readonly writer: FrameWriter
  closed = false

  constructor(
    readonly stream: Stream,
    maxFrameBytes: number,
    private readonly log: Logger,
    private readonly onClose: () => void
  ) {
    this.decoder = new FrameDecoder(maxFrameBytes)
    this.writer = new FrameWriter(stream, (err) =>
      this.close(new TransportError(`write failed: ${err.message}`))
    )
    stream.addEventListener('message', (evt) => {
      let frames: Uint8Array[]
      try {
        frames = this.decoder.push(evt.data)
      } catch (err) {
        this.close(new TransportError(`bad frame from peer: ${(err as Error).message}`, 'protocol_error'))
        return
      }
      for (const frame of frames) this.onFrame(frame)
    })
    stream.addEventListener('close', () => this.close(new TransportError('stream closed')))
  }

  private onFrame(frame: Uint8Array): void {
    const parsed = parseFrame(frame)
    if (!parsed.ok) {
      this.log.warn({ code: 'invalid_json', error: parsed.error }, 'invalid reply on task session')
      return
    }
    const { value, type, id } = parsed
    if (type === 'error') {
      if (!ERROR_CHECK.Check(value)) {
        this.log.warn({ error: describeInvalid(ERROR_CHECK, value) }, 'invalid error message on task session')
        return
      }
      const err = value as { code: string; message: string }
      if (id != null) this.settle(id, new RemoteProtocolError(err.message, err.code))
      else this.log.warn({ code: err.code, error: err.message }, 'peer reported a protocol error')
      return
    }
    const p = id != null ? this.pending.get(id) : undefined
    if (p == null || id == null) return
    if (type !== p.def.replyType || !p.def.reply.Check(value)) {
      const error =
        type !== p.def.replyType
          ? `expected ${p.def.replyType}, got ${JSON.stringify(type)}`
          : describeInvalid(p.def.reply, value)
      this.log.warn({ code: 'invalid_message', error }, 'invalid reply on task session')
      this.settle(id, new TransportError(`invalid reply: ${error}`, 'protocol_error'))
      return
    }
    this.settle(id, value as Envelope)
  }

  private settle(id: string, outcome: Envelope | Error): void {
    const p = this.pending.get(id)
    if (p == null) return
    this.pending.delete(id)
    clearTimeout(p.timer)
    if (outcome instanceof Error) p.reject(outcome)
    else p.resolve(outcome)
  }

  send(def: MessageDef, message: Envelope, timeoutMs: number, signal?: AbortSignal): Promise<Envelope> {
    return new Promise((resolve, reject) => {
      const { id } = message
      const timer = setTimeout(
        () => this.settle(id, new TransportError(`no reply within ${timeoutMs} ms`, 'timeout')),
        timeoutMs
      )
      this.pending.set(id, { def, resolve, reject, timer })
      signal?.addEventListener('abort', () => this.settle(id, new TransportError('aborted', 'timeout')), {
        once: true
      })
      this.writer.write(encodeFrame(message))
    })
  }

  close(err: Error): void {
    if (this.closed) return
    this.closed = true
    for (const id of [...this.pending.keys()]) this.settle(id, err)
    if (this.stream.status === 'open') this.stream.abort(err)
    this.onClose()
  }
}
