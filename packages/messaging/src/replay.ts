import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { encodeFrame, FrameDecoder } from '@mesh-node/protocol'
import type { Logger } from 'pino'
import { REPLAY_PROTOCOL } from './constants.js'
import { checkEnvelope, checkTopicName, type MessageEnvelope } from './envelope.js'

/** A replay request: own messages on `topic` published in the last `withinMs` of the answerer's clock. */
export interface ReplayRequest {
  type: 'replay'
  topic: string
  withinMs: number
}

export interface ReplayReply {
  type: 'replay_reply'
  messages: MessageEnvelope[]
}

export interface ReplayComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol'>
  log: Logger
}

export interface ReplayInit {
  maxReplayMs: number
  timeoutMs: number
  /** Bytes of the largest answer accepted; the answerer keeps its replay buffer below it. */
  maxReplyBytes: number
  /**
   * Answers a request: waits until gossipsub knows the asker subscribes (so
   * anything published after the answer reaches it by gossip), then returns
   * own messages from the window.
   */
  answer: (request: ReplayRequest, asker: PeerId) => Promise<MessageEnvelope[]>
  /** Largest request frame (a replay request is a topic name and a number). */
  maxRequestBytes: number
}

/**
 * The replay protocol closes gossipsub's window after a subscribe: a peer
 * learns of a new subscription one round trip later, and a message it
 * publishes in between never reaches the new subscriber. The subscriber
 * asks each connected peer for what it published since, and the peer
 * answers only once its gossipsub has seen the subscription.
 */
export class ReplayProtocol {
  constructor(
    private readonly components: ReplayComponents,
    private readonly init: ReplayInit
  ) {}

  async start(): Promise<void> {
    await this.components.libp2p.handle(
      REPLAY_PROTOCOL,
      (stream, connection) => {
        void this.serve(stream, connection)
      },
      { maxInboundStreams: 32, maxOutboundStreams: 32 }
    )
  }

  async stop(): Promise<void> {
    await this.components.libp2p.unhandle(REPLAY_PROTOCOL)
  }

  /** Asks one peer; resolves to its messages, or to [] when it cannot answer in time. */
  async request(peer: PeerId, topic: string, withinMs: number): Promise<MessageEnvelope[]> {
    const signal = AbortSignal.timeout(this.init.timeoutMs)
    let stream: Stream | undefined
    try {
      stream = await this.components.libp2p.dialProtocol(peer, REPLAY_PROTOCOL, { signal })
      stream.send(
        encodeFrame({ type: 'replay', topic, withinMs: Math.round(withinMs) } satisfies ReplayRequest)
      )
      const frame = await readOneFrame(stream, this.init.maxReplyBytes, signal)
      const reply = JSON.parse(new TextDecoder().decode(frame)) as Partial<ReplayReply>
      if (reply.type !== 'replay_reply' || !Array.isArray(reply.messages)) return []
      const signer = peer.toString()
      // Answerers hand out only their own messages; anything else is dropped.
      return reply.messages.flatMap((m) => {
        try {
          const envelope = checkEnvelope(m)
          return envelope.topic === topic && envelope.from.node === signer ? [envelope] : []
        } catch {
          return []
        }
      })
    } catch (err) {
      this.components.log.debug(
        { remotePeer: peer.toString(), topic, err: (err as Error).message },
        'replay request failed'
      )
      return []
    } finally {
      stream?.abort(new Error('replay done'))
    }
  }

  private async serve(stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer
    const log = this.components.log.child({ remotePeer: remote.toString() })
    try {
      const signal = AbortSignal.timeout(this.init.timeoutMs)
      const frame = await readOneFrame(stream, this.init.maxRequestBytes, signal)
      const value: unknown = JSON.parse(new TextDecoder().decode(frame))
      const request = parseRequest(value, this.init.maxReplayMs)
      const messages = await this.init.answer(request, remote)
      stream.send(encodeFrame({ type: 'replay_reply', messages } satisfies ReplayReply))
      await stream.close()
    } catch (err) {
      log.debug({ err: (err as Error).message }, 'bad replay request')
      stream.abort(err as Error)
    }
  }
}

function parseRequest(value: unknown, maxReplayMs: number): ReplayRequest {
  const r = value as Partial<ReplayRequest> | null
  if (r?.type !== 'replay') throw new Error('expected a replay request')
  checkTopicName(r.topic)
  if (typeof r.withinMs !== 'number' || !(r.withinMs >= 0))
    throw new Error('replay withinMs must be a number of ms >= 0')
  return { type: 'replay', topic: r.topic as string, withinMs: Math.min(r.withinMs, maxReplayMs) }
}

async function readOneFrame(stream: Stream, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const decoder = new FrameDecoder(maxBytes)
  const onAbort = (): void => stream.abort(new Error('replay timed out'))
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    for await (const chunk of stream) {
      const frames = decoder.push(chunk)
      const [first] = frames
      if (first != null) return first
    }
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  throw new Error('stream ended before a whole frame')
}
