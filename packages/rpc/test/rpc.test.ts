import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createMeshPeer, type MeshPeer } from '@mesh-node/peer'
import { MAX_FRAME_BYTES, ProbeReplySchema, ProbeRequestSchema } from '@mesh-node/protocol'
import { Type } from '@sinclair/typebox'
import { pino } from 'pino'
import { DuplicateHandlerError, defineMessage, RemoteProtocolError, type Rpc, rpc } from '../src/index.js'

const probe = defineMessage('probe_request', 'probe_reply', ProbeRequestSchema, ProbeReplySchema)
const blob = defineMessage(
  'blob',
  'blob_reply',
  Type.Object({ type: Type.Literal('blob'), id: Type.String(), size: Type.Integer({ minimum: 0 }) }),
  Type.Object({ type: Type.Literal('blob_reply'), id: Type.String(), data: Type.String() })
)

describe('rpc between two real libp2p peers', { timeout: 60_000 }, () => {
  const log = pino({ level: 'silent' })
  let peers: MeshPeer[] = []
  let nodes: Rpc[] = []

  before(async () => {
    peers = await Promise.all(
      [0, 1].map(
        async () =>
          await createMeshPeer({
            privateKey: await generateKeyPair('Ed25519'),
            listen: ['/ip4/127.0.0.1/tcp/0'],
            mdns: { enabled: false }
          })
      )
    )
    nodes = peers.map((p) => rpc()({ libp2p: p.libp2p, log }))
    await Promise.all(nodes.map(async (n) => await n.start()))
    const [a, b] = peers as [MeshPeer, MeshPeer]
    await a.libp2p.dial(b.libp2p.getMultiaddrs())
  })

  after(async () => {
    await Promise.all(nodes.map(async (n) => await n.stop()))
    await Promise.all(peers.map(async (p) => await p.stop()))
  })

  it('answers a registered request on one warm session, many in flight', async () => {
    const [a, b] = nodes as [Rpc, Rpc]
    const [, peerB] = peers as [MeshPeer, MeshPeer]
    b.handle(probe, (msg, remote) => ({
      type: 'probe_reply' as const,
      id: msg.id,
      target: msg.target,
      reachable: remote.toString() === msg.target
    }))
    assert.throws(() => b.handle(probe, () => assert.fail('never called')), DuplicateHandlerError)
    const self = (peers[0] as MeshPeer).peerId.toString()
    const replies = await Promise.all(
      Array.from(
        { length: 20 },
        async (_, i) =>
          await a.request(probe, peerB.peerId, { target: i % 2 === 0 ? self : 'other' }, { timeoutMs: 5000 })
      )
    )
    assert.deepEqual(
      replies.map((r) => r.reachable),
      Array.from({ length: 20 }, (_, i) => i % 2 === 0)
    )
    assert.deepEqual(a.sessions(), [peerB.peerId.toString()])
  })

  it('rejects a type the peer has no handler for with unknown_type', async () => {
    const [a, b] = nodes as [Rpc, Rpc]
    const [, peerB] = peers as [MeshPeer, MeshPeer]
    b.unhandle(probe)
    await assert.rejects(
      a.request(probe, peerB.peerId, { target: 'x' }, { timeoutMs: 5000 }),
      (err: unknown) => err instanceof RemoteProtocolError && err.code === 'unknown_type'
    )
  })

  it('turns a reply over the frame limit into the handler’s small answer, and says so otherwise', async () => {
    const [a, b] = nodes as [Rpc, Rpc]
    const [, peerB] = peers as [MeshPeer, MeshPeer]
    b.handle(blob, (msg) => ({ type: 'blob_reply' as const, id: msg.id, data: 'x'.repeat(msg.size) }), {
      oversized: (reply) => ({ ...reply, data: 'cut' })
    })
    const fits = await a.request(blob, peerB.peerId, { size: 10 }, { timeoutMs: 5000 })
    assert.equal(fits.data, 'x'.repeat(10))
    const cut = await a.request(blob, peerB.peerId, { size: MAX_FRAME_BYTES + 1 }, { timeoutMs: 5000 })
    assert.equal(cut.data, 'cut')
    b.unhandle(blob)
    b.handle(blob, (msg) => ({ type: 'blob_reply' as const, id: msg.id, data: 'x'.repeat(msg.size) }))
    await assert.rejects(
      a.request(blob, peerB.peerId, { size: MAX_FRAME_BYTES + 1 }, { timeoutMs: 5000 }),
      (err: unknown) => err instanceof RemoteProtocolError && err.code === 'reply_too_large'
    )
  })
})
