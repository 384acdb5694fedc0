import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MAX_PENDING_PEERS_PER_FORWARDER } from '@mesh-node/protocol'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { createHostilePeer, type HostilePeer } from '../helpers/hostile-peer.js'
import { gossipOf, mintedSignedState, sendGossip } from '../helpers/signed-states.js'
import { waitFor } from '../helpers/wait.js'

const MINTED = 300

/**
 * Sybils by gossip: the rogue mints identities, signs a state for each as
 * gossipsub would, and forwards them all to a in one RPC, as a router
 * passing on others' messages. Each is validly signed by its subject, so
 * only the per-forwarder bound stands between them and a's table (and, by
 * a's forwarding, b's).
 */
describe('a hostile peer cannot fill the mesh with minted identities by gossip', { timeout: 120_000 }, () => {
  let a: TestDaemon
  let b: TestDaemon
  let rogue: HostilePeer
  let minted: Set<string>

  before(async () => {
    const tag = uniqueTag()
    ;[a, b] = await Promise.all([startTestDaemon({ tag }), startTestDaemon({ tag })])
    await waitFor(async () => (await a.client.status()).members.some((m) => m.peerId === b.peerId), {
      timeoutMs: 30_000,
      message: 'a and b to meet'
    })
    rogue = await createHostilePeer()
    await rogue.connect((await a.client.id()).addresses[0] as string)
    const keys = await Promise.all(Array.from({ length: MINTED }, () => generateKeyPair('Ed25519')))
    minted = new Set(keys.map((k) => peerIdFromPrivateKey(k).toString()))
    const messages = await Promise.all(keys.map(async (k) => gossipOf(await mintedSignedState(k, 1))))
    await waitFor(() => sendGossip(rogue, a.peerId, messages), {
      timeoutMs: 10_000,
      message: 'a gossipsub stream to a'
    })
  })

  after(async () => {
    await rogue?.stop()
    await stopAll([a, b])
  })

  it('takes at most its share of unverified peers from one forwarder, never routes to them, and finds them dead', async () => {
    const sentAt = Date.now()
    const mintedOn = async (d: TestDaemon) =>
      (await d.client.status()).members.filter((m) => minted.has(m.peerId))
    let alive = 0
    // Every minted peer a took is probed at once; none answers.
    const settled = await waitFor(
      async () => {
        const ms = await mintedOn(a)
        alive += ms.filter((m) => m.state === 'alive').length
        return ms.length > 0 && ms.every((m) => m.state === 'dead') ? ms : undefined
      },
      { timeoutMs: 30_000, message: 'a to take minted peers and find them dead' }
    )
    const settledMs = Date.now() - sentAt
    const onB = await waitFor(
      async () => {
        const ms = await mintedOn(b)
        return ms.every((m) => m.state === 'dead') ? ms : undefined
      },
      { timeoutMs: 30_000, message: 'b to settle the minted peers a passed on' }
    )
    const listed = (await a.client.agents({ capability: 'voter' })).filter((x) => minted.has(x.peerId))
    console.log(
      `gossip Sybils: ${MINTED} minted identities sent through one forwarder; a took ${settled.length} ` +
        `(bound ${MAX_PENDING_PEERS_PER_FORWARDER}), all dead ${settledMs} ms after the flood, ever alive ${alive}; ` +
        `b took ${onB.length} through a`
    )
    assert.ok(settled.length <= MAX_PENDING_PEERS_PER_FORWARDER, `a took ${settled.length} minted peers`)
    assert.ok(onB.length <= MAX_PENDING_PEERS_PER_FORWARDER, `b took ${onB.length} minted peers`)
    assert.equal(alive, 0, 'no minted peer was ever alive')
    assert.equal(listed.length, 0, 'no minted agent is listed')
  })

  it('takes the next share once the first is settled: a bound on what is pending, not a ban', async () => {
    const more = await Promise.all(Array.from({ length: 8 }, () => generateKeyPair('Ed25519')))
    const ids = new Set(more.map((k) => peerIdFromPrivateKey(k).toString()))
    const messages = await Promise.all(more.map(async (k) => gossipOf(await mintedSignedState(k, 1))))
    assert.ok(sendGossip(rogue, a.peerId, messages))
    await waitFor(
      async () => (await a.client.status()).members.filter((m) => ids.has(m.peerId)).length === ids.size,
      { timeoutMs: 20_000, message: 'a to take the next identities' }
    )
  })
})
