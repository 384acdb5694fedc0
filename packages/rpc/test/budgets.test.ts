import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { createMeshPeer, type MeshPeer } from '@mesh-node/peer'
import { encodeFrame, FrameDecoder, TASK_PROTOCOL } from '@mesh-node/protocol'
import { until } from '@mesh-node/test-utils'
import { Type } from '@sinclair/typebox'
import { pino } from 'pino'
import { defineMessage, RemoteProtocolError, type Rpc, rpc } from '../src/index.js'

const hold = defineMessage(
  'hold',
  'hold_reply',
  Type.Object({ type: Type.Literal('hold'), id: Type.String() }),
  Type.Object({ type: Type.Literal('hold_reply'), id: Type.String() })
)
const blob = defineMessage(
  'blob',
  'blob_reply',
  Type.Object({ type: Type.Literal('blob'), id: Type.String(), size: Type.Integer({ minimum: 0 }) }),
  Type.Object({ type: Type.Literal('blob_reply'), id: Type.String(), data: Type.String() })
)

describe('per-peer inbound budgets and unread replies', { timeout: 90_000 }, () => {
  const log = pino({ level: 'silent' })
  let peers: MeshPeer[] = []
  let nodes: Rpc[] = []
  const releases: Array<() => void> = []

  before(async () => {
    peers = await Promise.all(
      [0, 1, 2].map(
        async () =>
          await createMeshPeer({
            privateKey: await generateKeyPair('Ed25519'),
            listen: ['/ip4/127.0.0.1/tcp/0'],
            mdns: { enabled: false }
          })
      )
    )
    // Node 1 is the server under test, with small bounds so the test stays small.
    nodes = peers.map((p, i) =>
      rpc(i === 1 ? { maxInflightPerPeer: 4, maxQueuedReplies: 8, maxQueuedReplyBytes: 64 * 1024 } : {})({
        libp2p: p.libp2p,
        log
      })
    )
    await Promise.all(nodes.map(async (n) => await n.start()))
    const [a, b, c] = peers as [MeshPeer, MeshPeer, MeshPeer]
    await a.libp2p.dial(b.libp2p.getMultiaddrs())
    await c.libp2p.dial(b.libp2p.getMultiaddrs())
    ;(nodes[1] as Rpc).handle(
      hold,
      async (msg) =>
        await new Promise((resolve) => {
          releases.push(() => resolve({ type: 'hold_reply', id: msg.id }))
        })
    )
    ;(nodes[1] as Rpc).handle(blob, (msg) => ({
      type: 'blob_reply' as const,
      id: msg.id,
      data: 'x'.repeat(msg.size)
    }))
  })

  after(async () => {
    for (const r of releases.splice(0)) r()
    await Promise.all(nodes.map(async (n) => await n.stop()))
    await Promise.all(peers.map(async (p) => await p.stop()))
  })

  it('refuses a peer past its budget with too_many_requests, and only that peer', async () => {
    const [a, , c] = nodes as [Rpc, Rpc, Rpc]
    const server = (peers[1] as MeshPeer).peerId
    const held = Array.from(
      { length: 6 },
      async () =>
        await a.request(hold, server, {}, { timeoutMs: 20_000 }).then(
          () => 'ok',
          (e: Error) => e
        )
    )
    await until(() => releases.length === 4, 'four requests of peer a to be at work')
    const refused = (await Promise.race([
      Promise.all(held.slice(4)),
      new Promise((r) => setTimeout(r, 5000))
    ])) as Error[] | undefined
    assert.ok(refused != null, 'the two requests over budget are answered at once')
    for (const err of refused)
      assert.ok(err instanceof RemoteProtocolError && err.code === 'too_many_requests', String(err))
    // Another peer is not slowed by a's flood.
    const other = c.request(hold, server, {}, { timeoutMs: 20_000 })
    await until(() => releases.length === 5, "peer c's request to be at work")
    for (const r of releases.splice(0)) r()
    await other
    assert.deepEqual(await Promise.all(held.slice(0, 4)), ['ok', 'ok', 'ok', 'ok'])
    // The budget is given back: a can send again.
    const again = a.request(hold, server, {}, { timeoutMs: 20_000 })
    await until(() => releases.length === 1, 'a new request of a to be at work')
    for (const r of releases.splice(0)) r()
    await again
  })

  it('stops reading a peer that does not read its replies, and loses nothing once it does', async () => {
    const raw = peers[2] as MeshPeer
    const stream: Stream = await raw.libp2p.dialProtocol((peers[1] as MeshPeer).peerId, TASK_PROTOCOL)
    const decoder = new FrameDecoder(2 * 1024 * 1024)
    let replies = 0
    stream.addEventListener('message', (evt) => {
      replies += decoder.push(evt.data).length
    })
    stream.pause()
    // The replies fill the yamux window (256 KiB) the paused reader grants, then the server's queue bound.
    const request = encodeFrame({ type: 'blob', id: 'b000000', size: 100 })
    let sent = 0
    let blocked = false
    const deadline = Date.now() + 20_000
    while (!blocked && Date.now() < deadline) {
      if (!stream.send(encodeFrame({ type: 'blob', id: `b${String(sent).padStart(6, '0')}`, size: 100 }))) {
        // Not stream.onDrain(): @libp2p/utils 7.4 never renews its promise after a first drain.
        const drained = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 2000)
          stream.addEventListener('drain', () => resolve(clearTimeout(timer) === undefined), { once: true })
        })
        blocked = !drained
      }
      sent++
    }
    assert.ok(blocked, `the server kept reading after ${sent} unread requests`)
    // Bounded: what it answered before pausing, plus at most the window it granted (4 MiB) buffered unread.
    assert.ok(
      sent * request.length < 16 * 1024 * 1024,
      `sent ${sent} requests before the server stopped reading`
    )
    stream.resume()
    await until(() => replies === sent, `all ${sent} replies (got ${replies})`, 30_000)
    await stream.close()
  })
})
