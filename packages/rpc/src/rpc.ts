import { randomUUID } from 'node:crypto'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import {
  MAX_FRAME_BYTES,
  MAX_INFLIGHT_BYTES_PER_PEER,
  MAX_INFLIGHT_PER_PEER,
  MAX_INFLIGHT_PER_SESSION,
  MAX_QUEUED_REPLIES,
  MAX_QUEUED_REPLY_BYTES,
  MAX_TASK_TIMEOUT_MS,
  TASK_PROTOCOLS
} from '@mesh-node/protocol'
import { ClientSession } from './client-session.js'
import { TransportError } from './errors.js'
import type { RequestOptions, Rpc, RpcComponents, RpcInit } from './index.js'
import type { Envelope, MessageDef, ReplyOf, RequestOf } from './message.js'
import { PeerBudgets } from './peer-budget.js'
import { serveSession } from './server-session.js'
import { type HandleOptions, type Handler, HandlerTable } from './table.js'

/** A session outlives any one task; idle-abort only well after the longest deadline. */
const SESSION_IDLE_MS = MAX_TASK_TIMEOUT_MS + 60_000
/** A peer that accepts TCP but never finishes the handshake must not hold a request until its deadline. */
const MAX_OPEN_MS = 5000
const MAX_STREAMS_PER_CONNECTION = 16

/**
 * Long-lived sessions multiplex requests by correlation id, because a fresh
 * stream per request costs ~0.9 ms of negotiation (see the facts note)
 * while a warm one costs ~0.13 ms.
 */
export class DefaultRpc implements Rpc {
  private readonly table = new HandlerTable()
  private readonly clients = new Map<string, ClientSession>()
  private readonly opening = new Map<string, Promise<ClientSession>>()
  private readonly maxFrameBytes: number
  private readonly maxInvalid: number
  private readonly budgets: PeerBudgets
  private readonly maxQueuedReplies: number
  private readonly maxQueuedReplyBytes: number

  constructor(
    private readonly components: RpcComponents,
    init: RpcInit
  ) {
    this.maxFrameBytes = init.maxFrameBytes ?? MAX_FRAME_BYTES
    this.maxInvalid = init.maxInvalidMessages ?? 16
    this.budgets = new PeerBudgets({
      requests: init.maxInflightPerPeer ?? MAX_INFLIGHT_PER_PEER,
      bytes: init.maxInflightBytesPerPeer ?? MAX_INFLIGHT_BYTES_PER_PEER
    })
    this.maxQueuedReplies = init.maxQueuedReplies ?? MAX_QUEUED_REPLIES
    this.maxQueuedReplyBytes = init.maxQueuedReplyBytes ?? MAX_QUEUED_REPLY_BYTES
  }

  readonly [Symbol.toStringTag] = '@mesh-node/rpc'

  handle<D extends MessageDef>(
    def: D,
    handler: Handler<RequestOf<D>, ReplyOf<D>>,
    options: HandleOptions<ReplyOf<D>> = {}
  ): void {
    this.table.add({ def, handler: handler as unknown as Handler, options: options as HandleOptions })
  }

  unhandle(def: MessageDef): void {
    this.table.remove(def.type)
  }

  async start(): Promise<void> {
    // Both versions, one handler: a 1.0.0 peer just never sends task_piece.
    await this.components.libp2p.handle(
      [...TASK_PROTOCOLS],
      (stream, connection) => this.serve(stream, connection),
      {
        maxInboundStreams: MAX_STREAMS_PER_CONNECTION,
        maxOutboundStreams: MAX_STREAMS_PER_CONNECTION
      }
    )
  }

  async stop(): Promise<void> {
    await this.components.libp2p.unhandle([...TASK_PROTOCOLS])
    for (const session of this.clients.values()) session.close(new TransportError('node stopping'))
    this.clients.clear()
  }

  sessions(): string[] {
    return [...this.clients.keys()]
  }

  closeSession(peer: string, reason: string): void {
    this.clients.get(peer)?.close(new TransportError(reason))
  }

  async request<D extends MessageDef>(
    def: D,
    peer: PeerId,
    body: Omit<RequestOf<D>, 'id' | 'type'>,
    options: RequestOptions
  ): Promise<ReplyOf<D>> {
    const session = await this.session(peer, options)
    const message = { type: def.type, ...body, id: randomUUID() } as Envelope
    return (await session.send(def, message, options.timeoutMs, options.signal)) as ReplyOf<D>
  }

  private async session(peer: PeerId, options: RequestOptions): Promise<ClientSession> {
    const key = peer.toString()
    const existing = this.clients.get(key)
    if (existing != null && !existing.closed) return existing
    let opening = this.opening.get(key)
    if (opening == null) {
      opening = this.open(peer, options).finally(() => this.opening.delete(key))
      this.opening.set(key, opening)
    }
    return await opening
  }

  private async open(peer: PeerId, options: RequestOptions): Promise<ClientSession> {
    const key = peer.toString()
    const timeout = AbortSignal.timeout(Math.max(1, Math.min(options.timeoutMs, MAX_OPEN_MS)))
    let stream: Stream
    try {
      stream = await this.components.libp2p.dialProtocol(peer, [...TASK_PROTOCOLS], {
        signal: options.signal != null ? AbortSignal.any([options.signal, timeout]) : timeout
      })
    } catch (err) {
      throw new TransportError(
        `cannot open a task session to ${key}: ${(err as Error).message}`,
        'dial_failed'
      )
    }
    stream.inactivityTimeout = SESSION_IDLE_MS
    const session = new ClientSession(
      stream,
      this.maxFrameBytes,
      this.components.log.child({ remotePeer: key }),
      () => {
        if (this.clients.get(key) === session) this.clients.delete(key)
      }
    )
    this.clients.set(key, session)
    return session
  }

  private serve(stream: Stream, connection: Connection): void {
    const remotePeer = connection.remotePeer
    stream.inactivityTimeout = SESSION_IDLE_MS
    serveSession(
      stream,
      remotePeer,
      this.table,
      {
        maxFrameBytes: this.maxFrameBytes,
        maxInvalidMessages: this.maxInvalid,
        maxInflight: MAX_INFLIGHT_PER_SESSION,
        maxQueuedReplies: this.maxQueuedReplies,
        maxQueuedReplyBytes: this.maxQueuedReplyBytes,
        budgets: this.budgets
      },
      this.components.log.child({ remotePeer: remotePeer.toString() })
    )
  }
}
