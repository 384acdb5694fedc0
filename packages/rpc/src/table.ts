import type { PeerId } from '@libp2p/interface'
import { DuplicateHandlerError } from './errors.js'
import type { Envelope, MessageDef } from './message.js'

/** Answers one request; the reply carries the request's id. */
export type Handler<Req extends Envelope = Envelope, Rep extends Envelope = Envelope> = (
  request: Req,
  remotePeer: PeerId
) => Rep | Promise<Rep>

export interface HandleOptions<Rep extends Envelope = Envelope> {
  /** The answer to send instead of a reply over the frame limit; an `error` when absent. */
  oversized?(reply: Rep, message: string): Rep
  /** A reply whose requester went away before it could be sent. */
  undeliverable?(reply: Rep, remotePeer: PeerId): void
  /**
   * A reply handed to the session's writer; `closed` aborts when the session
   * does, so a handler that waits for the requester's ack can tell a
   * written-then-lost reply from a delivered one.
   */
  sent?(reply: Rep, request: Envelope, remotePeer: PeerId, closed: AbortSignal): void
}

export interface Registration {
  def: MessageDef
  handler: Handler
  options: HandleOptions
}

/** Message type -> handler, as kad-dht's rpc/handlers table. */
export class HandlerTable {
  private readonly byType = new Map<string, Registration>()
  private readonly replies = new Set<string>(['error'])

  add(registration: Registration): void {
    const { type, replyType } = registration.def
    if (this.byType.has(type)) throw new DuplicateHandlerError(`a handler for ${type} is already registered`)
    this.byType.set(type, registration)
    this.replies.add(replyType)
  }

  remove(type: string): void {
    this.byType.delete(type)
  }

  get(type: string): Registration | undefined {
    return this.byType.get(type)
  }

  /** A type some registered request is answered with (it must not arrive as a request). */
  isReply(type: string): boolean {
    return this.replies.has(type)
  }

  types(): string[] {
    return [...this.byType.keys()]
  }
}
