/**
 * @packageDocumentation
 *
 * Request/response between mesh peers on `/agent-mesh/task/1.0.0`: warm,
 * multiplexed sessions (one long-lived stream per peer, requests matched by
 * correlation id), a frame writer that coalesces writes, and a registration
 * table from message type to handler, as kad-dht's `rpc/handlers/`.
 *
 * The rpc knows no message of its own. The package that owns a concept
 * defines its request type next to its handler, one file per message, and
 * registers it in `start()`; adding a request type touches that package only.
 *
 * @example
 * ```ts
 * import { defineMessage, rpc } from '@mesh-node/rpc'
 * import { ProbeReplySchema, ProbeRequestSchema } from '@mesh-node/protocol'
 *
 * const probe = defineMessage('probe_request', 'probe_reply', ProbeRequestSchema, ProbeReplySchema)
 * const node = rpc()({ libp2p, log })
 * node.handle(probe, (msg) => ({ type: 'probe_reply', id: msg.id, target: msg.target, reachable: true }))
 * await node.start()
 * const reply = await node.request(probe, remotePeerId, { target: 'peer-x' }, { timeoutMs: 1000 })
 * ```
 */

import type { Libp2p, PeerId, Startable } from '@libp2p/interface'
import type { Logger } from 'pino'
import type { MessageDef, ReplyOf, RequestOf } from './message.js'
import { DefaultRpc } from './rpc.js'
import type { HandleOptions, Handler } from './table.js'

export { DuplicateHandlerError, RemoteProtocolError, TransportError } from './errors.js'
export { defineMessage, type Envelope, type MessageDef, type ReplyOf, type RequestOf } from './message.js'
export type { HandleOptions, Handler } from './table.js'

export interface RpcInit {
  /** Largest frame accepted or sent. @default MAX_FRAME_BYTES */
  maxFrameBytes?: number
  /** Invalid messages tolerated on one inbound session before it is reset. @default 16 */
  maxInvalidMessages?: number
  /** Requests one peer may have in flight here, over all its sessions; past it `too_many_requests`. @default MAX_INFLIGHT_PER_PEER */
  maxInflightPerPeer?: number
  /** Request bytes one peer may have in flight here. @default MAX_INFLIGHT_BYTES_PER_PEER */
  maxInflightBytesPerPeer?: number
  /** Unread replies a session holds before it stops reading the peer's requests. @default MAX_QUEUED_REPLIES */
  maxQueuedReplies?: number
  /** Unread reply bytes a session holds before it stops reading. @default MAX_QUEUED_REPLY_BYTES */
  maxQueuedReplyBytes?: number
}

export interface RpcComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol'>
  log: Logger
}

export interface RequestOptions {
  timeoutMs: number
  signal?: AbortSignal
}

export interface Rpc extends Startable {
  /** Registers the one handler of a request type (DuplicateHandlerError for a second). */
  handle<D extends MessageDef>(
    def: D,
    handler: Handler<RequestOf<D>, ReplyOf<D>>,
    options?: HandleOptions<ReplyOf<D>>
  ): void
  unhandle(def: MessageDef): void
  /**
   * Sends a request on the warm session to `peer` (opening one if needed)
   * and waits for its reply, validated against the definition. Rejects with
   * TransportError when the network fails, RemoteProtocolError when the
   * peer rejects the message.
   */
  request<D extends MessageDef>(
    def: D,
    peer: PeerId,
    body: Omit<RequestOf<D>, 'id' | 'type'>,
    options: RequestOptions
  ): Promise<ReplyOf<D>>
  /** Peers with an open outbound session. */
  sessions(): string[]
  /** Fails every request in flight to `peer` (a TransportError), e.g. once it is declared dead. */
  closeSession(peer: string, reason: string): void
}

export function rpc(init: RpcInit = {}): (components: RpcComponents) => Rpc {
  return (components) => new DefaultRpc(components, init)
}
