import type { PeerId, Stream } from '@libp2p/interface'
import { encodeFrame, FrameDecoder, FrameTooLargeError } from '@mesh-node/protocol'
import type { Logger } from 'pino'
import { FrameWriter } from './frame-writer.js'
import { describeInvalid, type Envelope } from './message.js'
import type { PeerBudgets } from './peer-budget.js'
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
  const decoder = new FrameDecoder(options.maxFrameBytes)
  const peer = remotePeer.toString()
  // Backpressure: a peer that sends requests but does not read the replies
  // would make them pile up here without bound. Past the queue bound the
  // session stops reading (yamux then stops granting the peer send window),
  // and reads again once half of it has gone out.
  let paused = false
  const overloaded = (): boolean =>
    writer.pendingFrames >= options.maxQueuedReplies || writer.pendingBytes >= options.maxQueuedReplyBytes
  const relieved = (): void => {
    if (!paused) return
    if (
      writer.pendingFrames > options.maxQueuedReplies / 2 ||
      writer.pendingBytes > options.maxQueuedReplyBytes / 2
    )
      return
    paused = false
    if (stream.readStatus === 'paused') stream.resume()
  }
  const writer = new FrameWriter(
    stream,
    (err) => {
      log.debug({ err: err.message }, 'task session write failed')
      stream.abort(err)
    },
    relieved
  )
  const send = (frame: Uint8Array): void => {
    writer.write(frame)
    if (paused || !overloaded() || stream.readStatus !== 'readable') return
    paused = true
    log.debug(
      { frames: writer.pendingFrames, bytes: writer.pendingBytes },
      'peer is not reading its replies: pausing the session'
    )
    // Not synchronously: inside `resume()`'s own dispatch of buffered data a
    // pause is undone by the window update `resume()` sends after it, and the
    // peer could then overflow the read buffer (and get its stream reset).
    queueMicrotask(() => {
      if (paused && stream.readStatus === 'readable') stream.pause()
    })
  }
  let inflight = 0
  let invalid = 0
  const reject = (code: string, message: string, id?: string): void => {
    invalid++
    log.warn({ code, error: message, correlationId: id }, 'rejected task-protocol message')
    send(encodeFrame({ type: 'error', id, code, message }))
    if (invalid > options.maxInvalidMessages) {
      log.warn({ invalid }, 'too many invalid messages: resetting the session')
      stream.abort(new Error('too many invalid messages'))
    }
  }

  /** The registration a frame is for, or undefined once it has been rejected. */
  const accept = (frame: Uint8Array): { entry: Registration; msg: Envelope } | undefined => {
    const parsed = parseFrame(frame)
    if (!parsed.ok) {
      reject('invalid_json', parsed.error)
      return undefined
    }
    const { value, type, id } = parsed
    const entry = typeof type === 'string' ? table.get(type) : undefined
    if (entry == null) {
      if (typeof type === 'string' && table.isReply(type))
        reject('unexpected_type', `${type} is a reply; a node accepts only ${table.types().join(', ')}`, id)
      else reject('unknown_type', `unknown message type ${JSON.stringify(type)}`, id)
      return undefined
    }
    if (!entry.def.request.Check(value)) {
      reject('invalid_message', describeInvalid(entry.def.request, value), id)
      return undefined
    }
    return { entry, msg: value as Envelope }
  }

  const onFrame = (frame: Uint8Array): void => {
    const accepted = accept(frame)
    if (accepted == null) return
    const { entry, msg } = accepted
    const refusal =
      inflight >= options.maxInflight
        ? `more than ${options.maxInflight} requests in flight on one session`
        : !options.budgets.take(peer, frame.length)
          ? `over this peer's budget of ${options.budgets.limits.requests} requests or ${options.budgets.limits.bytes} bytes in flight`
          : undefined
    if (refusal != null) {
      log.debug({ code: 'too_many_requests', correlationId: msg.id }, refusal)
      send(encodeFrame({ type: 'error', id: msg.id, code: 'too_many_requests', message: refusal }))
      return
    }
    inflight++
    answer(entry, msg)
      .catch((err: Error) => {
        log.error({ err, correlationId: msg.id }, 'task-protocol handler failed')
        if (stream.status === 'open')
          send(encodeFrame({ type: 'error', id: msg.id, code: 'internal', message: err.message }))
      })
      .finally(() => {
        inflight--
        options.budgets.release(peer, frame.length)
      })
  }

  const answer = async (entry: Registration, msg: Envelope): Promise<void> => {
    const reply = await entry.handler(msg, remotePeer)
    if (stream.status === 'open') send(boundedFrame(entry, reply, options.maxFrameBytes, log))
    else entry.options.undeliverable?.(reply, remotePeer)
  }

  stream.addEventListener('message', (evt) => {
    let frames: Uint8Array[]
    try {
      frames = decoder.push(evt.data)
    } catch (err) {
      const code = err instanceof FrameTooLargeError ? 'frame_too_large' : 'malformed_frame'
      log.warn({ code, error: (err as Error).message }, 'rejected task-protocol frame: resetting the session')
      send(encodeFrame({ type: 'error', code, message: (err as Error).message }))
      // The frame boundary is lost, so the session cannot continue.
      setTimeout(() => stream.abort(new Error(code)), RESET_GRACE_MS)
      return
    }
    for (const frame of frames) onFrame(frame)
  })
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
