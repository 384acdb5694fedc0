import type { PeerId, Stream } from '@libp2p/interface'
import { type Chunk, encodeFrame, FrameDecoder, FrameTooLargeError } from '@mesh-node/protocol'
import type { Logger } from 'pino'
import { describeInvalid, type Envelope } from './message.js'
import type { PeerBudgets } from './peer-budget.js'
import { ReplyQueue } from './reply-queue.js'
import type { HandlerTable, Registration } from './table.js'
import { parseFrame } from './wire.js'

export interface ServeOptions {
  maxFrameBytes: number
  maxInvalidMessages: number
  maxInflight: number
  /** Replies waiting to leave before the session stops reading requests. */
  maxQueuedReplies: number
  maxQueuedReplyBytes: number
  /** Shared by every session of every peer: what each peer may have in flight here. */
  budgets: PeerBudgets
}

/** How long an error frame gets to leave before a desynchronised session is reset. */
const RESET_GRACE_MS = 50

/** The receiving side of one session: validate everything, answer by id. */
export function serveSession(
  stream: Stream,
  remotePeer: PeerId,
  table: HandlerTable,
  options: ServeOptions,
  log: Logger
): void {
  new ServedSession(stream, remotePeer, table, options, log).listen()
}

class ServedSession {
  private readonly decoder: FrameDecoder
  private readonly replies: ReplyQueue
  private readonly peer: string
  private inflight = 0
  private invalid = 0
  /** Aborts when the session ends: replies waiting for an ack then stop waiting. */
  private readonly closed = new AbortController()

  constructor(
    private readonly stream: Stream,
    private readonly remotePeer: PeerId,
    private readonly table: HandlerTable,
    private readonly options: ServeOptions,
    private readonly log: Logger
  ) {
    this.decoder = new FrameDecoder(options.maxFrameBytes)
    this.peer = remotePeer.toString()
    this.replies = new ReplyQueue(
      stream,
      { maxFrames: options.maxQueuedReplies, maxBytes: options.maxQueuedReplyBytes },
      log
    )
  }

  listen(): void {
    this.stream.addEventListener('message', (evt) => this.onData(evt.data))
    this.stream.addEventListener('close', () => this.closed.abort(new Error('session closed')), {
      once: true
    })
  }

  private onData(data: Chunk): void {
    let frames: Uint8Array[]
    try {
      frames = this.decoder.push(data)
    } catch (err) {
      const code = err instanceof FrameTooLargeError ? 'frame_too_large' : 'malformed_frame'
      this.log.warn(
        { code, error: (err as Error).message },
        'rejected task-protocol frame: resetting the session'
      )
      this.replies.send(encodeFrame({ type: 'error', code, message: (err as Error).message }))
      // The frame boundary is lost, so the session cannot continue.
      setTimeout(() => this.stream.abort(new Error(code)), RESET_GRACE_MS)
      return
    }
    for (const frame of frames) this.onFrame(frame)
  }

  private onFrame(frame: Uint8Array): void {
    const accepted = this.accept(frame)
    if (accepted == null) return
    const { entry, msg } = accepted
    const { maxInflight, budgets } = this.options
    const refusal =
      this.inflight >= maxInflight
        ? `more than ${maxInflight} requests in flight on one session`
        : !budgets.take(this.peer, frame.length)
          ? `over this peer's budget of ${budgets.limits.requests} requests or ${budgets.limits.bytes} bytes in flight`
          : undefined
    if (refusal != null) {
      this.log.debug({ code: 'too_many_requests', correlationId: msg.id }, refusal)
      this.replies.send(
        encodeFrame({ type: 'error', id: msg.id, code: 'too_many_requests', message: refusal })
      )
      return
    }
    this.inflight++
    this.answer(entry, msg)
      .catch((err: Error) => {
        this.log.error({ err, correlationId: msg.id }, 'task-protocol handler failed')
        if (this.stream.status === 'open')
          this.replies.send(
            encodeFrame({ type: 'error', id: msg.id, code: 'internal', message: err.message })
          )
      })
      .finally(() => {
        this.inflight--
        budgets.release(this.peer, frame.length)
      })
  }

  /** The registration a frame is for, or undefined once it has been rejected. */
  private accept(frame: Uint8Array): { entry: Registration; msg: Envelope } | undefined {
    const parsed = parseFrame(frame)
    if (!parsed.ok) {
      this.reject('invalid_json', parsed.error)
      return undefined
    }
    const { value, type, id } = parsed
    const { table } = this
    const entry = typeof type === 'string' ? table.get(type) : undefined
    if (entry == null) {
      if (typeof type === 'string' && table.isReply(type))
        this.reject(
          'unexpected_type',
          `${type} is a reply; a node accepts only ${table.types().join(', ')}`,
          id
        )
      else this.reject('unknown_type', `unknown message type ${JSON.stringify(type)}`, id)
      return undefined
    }
    if (!entry.def.request.Check(value)) {
      this.reject('invalid_message', describeInvalid(entry.def.request, value), id)
      return undefined
    }
    return { entry, msg: value as Envelope }
  }

  private reject(code: string, message: string, id?: string): void {
    this.invalid++
    this.log.warn({ code, error: message, correlationId: id }, 'rejected task-protocol message')
    this.replies.send(encodeFrame({ type: 'error', id, code, message }))
    if (this.invalid > this.options.maxInvalidMessages) {
      this.log.warn({ invalid: this.invalid }, 'too many invalid messages: resetting the session')
      this.stream.abort(new Error('too many invalid messages'))
    }
  }

  private async answer(entry: Registration, msg: Envelope): Promise<void> {
    const reply = await entry.handler(msg, this.remotePeer)
    if (this.stream.status === 'open') {
      this.replies.send(boundedFrame(entry, reply, this.options.maxFrameBytes, this.log))
      entry.options.sent?.(reply, msg, this.remotePeer, this.closed.signal)
    } else entry.options.undeliverable?.(reply, this.remotePeer)
  }
}

/**
 * A reply too large for one frame would make the requester reset the whole
 * session; it becomes a small, explicit failure instead (the handler's own
 * `oversized` answer, or an `error`).
 */
function boundedFrame(entry: Registration, reply: Envelope, maxFrameBytes: number, log: Logger): Uint8Array {
  const frame = encodeFrame(reply)
  if (frame.length <= maxFrameBytes) return frame
  log.warn(
    { type: reply.type, bytes: frame.length, correlationId: reply.id },
    'reply exceeds the frame limit'
  )
  const message = `the ${reply.type} is ${frame.length} bytes, over the ${maxFrameBytes}-byte frame limit`
  const small = entry.options.oversized?.(reply, message)
  if (small != null) return encodeFrame(small)
  return encodeFrame({ type: 'error', id: reply.id, code: 'reply_too_large', message })
}
