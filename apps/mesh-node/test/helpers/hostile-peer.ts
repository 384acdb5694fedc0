import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { GossipSub } from '@libp2p/gossipsub'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { encodeFrame, FrameDecoder, STATE_TOPIC, TASK_PROTOCOL } from '@mesh-node/protocol'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { openSession, type RawSession } from './raw-peer.js'

/** An agent as announced on the wire (AgentAd, PROTOCOL.md §5.2). */
export interface AgentAd {
  agent: string
  capabilities: string[]
  capacity: number
  running: number
}

type Frame = Record<string, unknown>

/**
 * What the hostile peer does with a request a daemon sends it. Return a
 * reply to send it, or undefined to stay silent (the request is kept
 * unanswered, as a hung or malicious peer would).
 */
export type RequestHandler = (
  request: Frame,
  remotePeer: string
) => Frame | undefined | Promise<Frame | undefined>

export interface HostilePeerInit {
  /** Agents it claims to have, in capability replies and node_state gossip. */
  agents?: AgentAd[]
  /** Requests other than capability_query; default: silence. */
  onRequest?: RequestHandler
  /** How often it publishes its node_state. @default 500 */
  heartbeatMs?: number
}

/**
 * A mesh member gone bad, built only from stock libp2p packages and the
 * documented wire format: it answers pings and identify, announces agents by
 * signed gossip like any node, and does whatever the test tells it with the
 * requests it receives.
 */
export interface HostilePeer {
  node: Libp2p<{ pubsub: GossipSub }>
  peerId: string
  /** Requests received on inbound task streams, in order. */
  received: Frame[]
  /** Sets or replaces how it answers requests. */
  setHandler(handler: RequestHandler): void
  open(addr: string): Promise<RawSession>
  /** Connects to a daemon by one of its addresses. */
  connect(addr: string): Promise<void>
  /** Publishes a gossip message (JSON) on a topic, signed by this peer. */
  publish(topic: string, message: unknown): Promise<void>
  stop(): Promise<void>
}

export async function createHostilePeer(init: HostilePeerInit = {}): Promise<HostilePeer> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false })
    }
  })
  const agents = init.agents ?? []
  const received: Frame[] = []
  let onRequest: RequestHandler = init.onRequest ?? (() => undefined)
  // Streams must stay referenced while a silent peer holds their requests.
  const streams = new Set<Stream>()

  await node.handle(
    TASK_PROTOCOL,
    (stream, connection) => {
      streams.add(stream)
      const remote = connection.remotePeer.toString()
      const decoder = new FrameDecoder(8 * 1024 * 1024)
      stream.addEventListener('close', () => streams.delete(stream))
      stream.addEventListener('message', (evt) => {
        for (const body of decoder.push(evt.data)) {
          const request = JSON.parse(new TextDecoder().decode(body)) as Frame
          received.push(request)
          const reply =
            request.type === 'capability_query'
              ? { type: 'capability_reply', id: request.id, agents }
              : onRequest(request, remote)
          void Promise.resolve(reply).then((r) => {
            if (r !== undefined && stream.status === 'open') stream.send(encodeFrame(r))
          })
        }
      })
    },
    { maxInboundStreams: 64 }
  )

  node.services.pubsub.subscribe(STATE_TOPIC)
  const incarnation = Date.now()
  let seq = 0
  const announce = () => {
    const state = { type: 'node_state', peerId: node.peerId.toString(), incarnation, seq: ++seq, agents }
    node.services.pubsub.publish(STATE_TOPIC, new TextEncoder().encode(JSON.stringify(state))).catch(() => {})
  }
  const timer = setInterval(announce, init.heartbeatMs ?? 500)

  return {
    node,
    peerId: node.peerId.toString(),
    received,
    setHandler: (handler) => {
      onRequest = handler
    },
    open: async (addr) => await openSession(node, addr),
    connect: async (addr) => {
      await node.dial(multiaddr(addr))
    },
    publish: async (topic, message) => {
      await node.services.pubsub.publish(topic, new TextEncoder().encode(JSON.stringify(message)))
    },
    stop: async () => {
      clearInterval(timer)
      await node.stop()
    }
  }
}
