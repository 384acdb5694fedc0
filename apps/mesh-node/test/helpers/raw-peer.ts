import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p, Stream } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { encodeFrame, FrameDecoder, TASK_PROTOCOL } from '@mesh-node/protocol'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'

/**
 * A plain libp2p peer with none of the daemon's code above the wire format:
 * it speaks the task protocol by hand, the way another implementation would.
 */
export interface RawPeer {
  node: Libp2p
  peerId: string
  open(addr: string): Promise<RawSession>
  stop(): Promise<void>
}

export interface RawSession {
  stream: Stream
  sendBytes(bytes: Uint8Array): void
  send(message: unknown): void
  /** The next decoded frame, or an error if the stream closes first. */
  next(timeoutMs?: number): Promise<Record<string, unknown>>
  closed(): Promise<void>
}

export async function createRawPeer(): Promise<RawPeer> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // It answers ping as every peer does, or the failure detector would
    // rightly hang up on it a few seconds into a test.
    services: { identify: identify(), ping: ping() }
  })
  return {
    node,
    peerId: node.peerId.toString(),
    open: async (addr) => {
      const stream = await node.dialProtocol(multiaddr(addr), TASK_PROTOCOL)
      const decoder = new FrameDecoder(8 * 1024 * 1024)
      const frames: Array<Record<string, unknown>> = []
      const waiters: Array<(f: Record<string, unknown> | Error) => void> = []
      let closed = false
      const closedPromise = new Promise<void>((resolve) => {
        stream.addEventListener('close', () => {
          closed = true
          for (const w of waiters.splice(0)) w(new Error('stream closed'))
          resolve()
        })
      })
      stream.addEventListener('message', (evt) => {
        for (const body of decoder.push(evt.data)) {
          const frame = JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>
          const w = waiters.shift()
          if (w != null) w(frame)
          else frames.push(frame)
        }
      })
      return {
        stream,
        sendBytes: (bytes) => {
          stream.send(bytes)
        },
        send: (message) => {
          stream.send(encodeFrame(message))
        },
        next: async (timeoutMs = 10_000) => {
          const queued = frames.shift()
          if (queued != null) return queued
          if (closed) throw new Error('stream closed')
          return await new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no frame within ${timeoutMs} ms`)), timeoutMs)
            waiters.push((f) => {
              clearTimeout(timer)
              if (f instanceof Error) reject(f)
              else resolve(f)
            })
          })
        },
        closed: async () => await closedPromise
      }
    },
    stop: async () => {
      await node.stop()
    }
  }
}
