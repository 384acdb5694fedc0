import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MAX_RELAYED_PEERS_PER_SOURCE } from '@mesh-node/protocol'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { createHostilePeer, type HostilePeer } from '../helpers/hostile-peer.js'
import { fakeState, mintedSignedState } from '../helpers/signed-states.js'
import { waitFor } from '../helpers/wait.js'

/**
 * Poisoned anti-entropy: the rogue answers every state_sync with 1024
 * unsigned node_states of made-up peers, each claiming a `voter` agent, and
 * later with 1024 states of minted identities, each properly self-signed.
 */
describe('a hostile peer cannot poison anti-entropy', { timeout: 120_000 }, () => {
  let a: TestDaemon
  let b: TestDaemon
  let rogue: HostilePeer
  let fakes: string[]
  let aAddr: string

  before(async () => {
    const tag = uniqueTag()
    const mesh = { syncIntervalMs: 300 }
    const voter = {
      name: 'v',
      capabilities: ['voter'],
      capacity: 2,
      handler: { kind: 'builtin', name: 'echo' }
    }
    ;[a, b] = await Promise.all([
      startTestDaemon({ tag, config: { mesh } }),
      startTestDaemon({ tag, config: { mesh, agents: [voter] } })
    ])
    fakes = await Promise.all(
      Array.from({ length: 1024 }, async () =>
        peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
      )
    )
    rogue = await createHostilePeer({
      onRequest: (req) => {
        if (req.type !== 'state_sync') return undefined
        // Both forms: the old unsigned list, and the same states "signed" with the rogue's own key.
        const states = fakes.map((peerId, i) => fakeState(peerId, i + 1))
        const signed = states.map((s) => ({
          data: Buffer.from(JSON.stringify(s)).toString('base64'),
          seqno: '0000000000000001',
          signature: Buffer.alloc(64, 7).toString('base64')
        }))
        return { type: 'state_sync_reply', id: req.id, states, signed }
      }
    })
    aAddr = (await a.client.id()).addresses[0] as string
    await rogue.connect(aAddr)
    await waitFor(
      async () => (await a.client.agents({ capability: 'voter' })).some((x) => x.peerId === b.peerId),
      {
        timeoutMs: 30_000,
        message: 'a to know the real voter'
      }
    )
    // Let a ask the rogue for states a few times.
    await waitFor(() => rogue.received.filter((r) => r.type === 'state_sync').length >= 3, {
      timeoutMs: 30_000,
      message: 'a to run anti-entropy with the rogue'
    })
  })

  after(async () => {
    await rogue?.stop()
    await stopAll([a, b])
  })

  it('drops unsigned and badly signed relayed states: no made-up peer reaches routing, members or a vote', async () => {
    const voters = await a.client.agents({ capability: 'voter' })
    assert.deepEqual(
      voters.map((v) => v.peerId),
      [b.peerId]
    )
    const members = (await a.client.status()).members.map((m) => m.peerId)
    assert.equal(members.filter((m) => fakes.includes(m)).length, 0)
    const vote = await a.client.vote({ question: 'real?', options: ['yes', 'no'], capability: 'voter' })
    assert.equal(vote.asked, 1, 'only the real voter is asked')
    console.log(
      `poisoned sync: ${voters.length} voter(s) known, fake members 0 of 1024, vote asked ${vote.asked}`
    )
  })

  it("keeps its own state_sync valid and hands on only real peers' signed states, however much the rogue sent", async () => {
    const session = await rogue.open(aAddr)
    session.send({ type: 'state_sync', id: 'mine', versions: [] })
    const reply = await session.next(20_000)
    assert.equal(reply.type, 'state_sync_reply')
    assert.deepEqual(reply.states, [], 'no unsigned states are handed on')
    const signed = reply.signed as Array<{ data: string }>
    const peers = signed.map(
      (s) => (JSON.parse(Buffer.from(s.data, 'base64').toString()) as { peerId: string }).peerId
    )
    assert.equal(peers.filter((p) => fakes.includes(p)).length, 0)
    // a's own state and b's (heard by gossip) travel, with their subjects' signatures.
    assert.ok(peers.includes(a.peerId), `a's own state is in the reply: ${peers.join(', ')}`)
    assert.ok(peers.includes(b.peerId), `b's state is in the reply: ${peers.join(', ')}`)
    // a's own state_sync requests list only real peers, so they stay valid everywhere.
    const syncs = rogue.received.filter((r) => r.type === 'state_sync')
    const listed = (syncs.at(-1)?.versions ?? []) as Array<{ peerId: string }>
    assert.ok(listed.length >= 1)
    assert.equal(listed.filter((v) => fakes.includes(v.peerId)).length, 0)
  })

  it('lets one partner introduce only its share of self-signed identities nobody else vouches for', async () => {
    const keys = await Promise.all(Array.from({ length: 1024 }, async () => await generateKeyPair('Ed25519')))
    const minted = new Set(keys.map((k) => peerIdFromPrivateKey(k).toString()))
    const signed = await Promise.all(keys.map(async (k, i) => await mintedSignedState(k, i + 1)))
    const before = rogue.received.filter((r) => r.type === 'state_sync').length
    // Only a is answered: b may reach the rogue too (through a's DHT), and what b took from it
    // b would hand on to a as a partner of its own, with a share of its own.
    rogue.setHandler((req, remote) =>
      req.type === 'state_sync' && remote === a.peerId
        ? { type: 'state_sync_reply', id: req.id, states: [], signed }
        : undefined
    )
    // Valid signatures do get in, up to the cap; wait until a has taken them, then a few more rounds.
    await waitFor(
      async () =>
        (await a.client.agents({ capability: 'voter' })).filter((x) => minted.has(x.peerId)).length > 0 &&
        rogue.received.filter((r) => r.type === 'state_sync').length >= before + 5,
      { timeoutMs: 30_000, message: 'a to take the minted states and sync again' }
    )
    const voters = await a.client.agents({ capability: 'voter' })
    const taken = voters.filter((x) => minted.has(x.peerId)).length
    console.log(`minted identities taken from one partner: ${taken} of 1024`)
    assert.ok(taken <= MAX_RELAYED_PEERS_PER_SOURCE, `${taken} minted identities reached the registry`)
    assert.ok(
      voters.some((v) => v.peerId === b.peerId),
      'the real voter is still there'
    )
    const syncs = rogue.received.filter((r) => r.type === 'state_sync')
    const listed = (syncs.at(-1)?.versions ?? []) as Array<{ peerId: string }>
    assert.ok(listed.length <= 1024, 'a’s own state_sync stays within its schema')
  })

  it('asks only voters it verified itself, however many minted identities a partner relayed', async () => {
    const voters = await a.client.agents({ capability: 'voter' })
    const minted = voters.filter((v) => v.peerId !== b.peerId).length
    assert.ok(minted > 0, 'minted identities are in the registry (up to the cap)')
    const started = Date.now()
    const vote = await a.client.vote({
      question: 'real?',
      options: ['yes', 'no'],
      capability: 'voter',
      timeoutMs: 10_000
    })
    const ms = Date.now() - started
    console.log(
      `vote with ${minted} minted voter(s) in the registry: asked ${vote.asked}, ` +
        `${vote.votes.length} vote(s), ${vote.abstained.length} abstained, in ${ms} ms`
    )
    assert.equal(vote.asked, 1, 'only the real voter is asked')
    assert.deepEqual(
      [...vote.votes, ...vote.abstained].map((v) => v.peerId),
      [b.peerId],
      'the answer is the real voter’s'
    )
  })
})
