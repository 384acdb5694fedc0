import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { createHostilePeer, type HostilePeer } from '../helpers/hostile-peer.js'
import { mintedSignedState, signedStatesOf, subjectOf } from '../helpers/signed-states.js'
import { waitFor } from '../helpers/wait.js'

const MINTED = 64

/**
 * The rogue poisons two nodes' anti-entropy with 64 self-signed minted
 * identities (each node takes its share, 16), then leaves. Then b restarts
 * on its data dir, on a new port. Before, a kept the minted states and
 * handed them to the restarted b, which took the poison back: the minted
 * identities outlived the rogue, passed from node to node.
 */
describe('a restarted node does not take the poison back', { timeout: 120_000 }, () => {
  const mesh = { syncIntervalMs: 300, registryTtlMs: 2000 }
  let tag: string
  let a: TestDaemon
  let b: TestDaemon
  let rogue: HostilePeer | undefined
  let observer: HostilePeer
  let minted: Set<string>

  const mintedIn = async (d: TestDaemon) => {
    const agents = (await d.client.agents({ capability: 'voter' })).filter((x) => minted.has(x.peerId)).length
    const members = (await d.client.status()).members.filter((m) => minted.has(m.peerId)).length
    return { agents, members }
  }

  before(async () => {
    tag = uniqueTag()
    ;[a, b] = await Promise.all([
      startTestDaemon({ tag, config: { mesh } }),
      startTestDaemon({ tag, config: { mesh } })
    ])
    const keys = await Promise.all(
      Array.from({ length: MINTED }, async () => await generateKeyPair('Ed25519'))
    )
    minted = new Set(keys.map((k) => peerIdFromPrivateKey(k).toString()))
    const signed = await Promise.all(keys.map(async (k, i) => await mintedSignedState(k, i + 1)))
    rogue = await createHostilePeer({
      onRequest: (req) =>
        req.type === 'state_sync' ? { type: 'state_sync_reply', id: req.id, states: [], signed } : undefined
    })
    for (const d of [a, b]) await rogue.connect((await d.client.id()).addresses[0] as string)
    await waitFor(async () => (await mintedIn(a)).agents > 0 && (await mintedIn(b)).agents > 0, {
      timeoutMs: 30_000,
      message: 'a and b to take the minted states'
    })
  })

  after(async () => {
    await rogue?.stop()
    await observer?.stop()
    await stopAll([a, b])
  })

  it('keeps its anti-entropy valid after the rogue left, and no minted identity comes back', async () => {
    const poisoned = { a: await mintedIn(a), b: await mintedIn(b) }
    await rogue?.stop()
    rogue = undefined
    const left = Date.now()
    // Without news, the minted states expire (registry TTL) and are let go, not handed on.
    observer = await createHostilePeer({
      onRequest: (req) =>
        req.type === 'state_sync'
          ? { type: 'state_sync_reply', id: req.id, states: [], signed: [] }
          : undefined
    })
    const aAddr = (await a.client.id()).addresses[0] as string
    await waitFor(
      async () =>
        (await mintedIn(a)).agents === 0 &&
        !(await signedStatesOf(observer, aAddr)).some((s) => minted.has(subjectOf(s))),
      { timeoutMs: 20_000, message: 'a to let the minted states go' }
    )
    const cleanS = ((Date.now() - left) / 1000).toFixed(1)
    await b.stop()
    b = await startTestDaemon({ tag, dataDir: b.dataDir, config: { mesh } })
    const bAddr = (await b.client.id()).addresses[0] as string
    await observer.connect(bAddr)
    await waitFor(async () => (await b.client.status()).members.some((m) => m.peerId === a.peerId), {
      timeoutMs: 30_000,
      message: 'the restarted b to rejoin a'
    })
    // Watch b through several anti-entropy rounds (it syncs with a and the observer each round).
    const rounds = () => observer.received.filter((r) => r.type === 'state_sync').length
    const from = rounds()
    let worst = 0
    await waitFor(
      async () => {
        worst = Math.max(worst, (await mintedIn(b)).agents, (await mintedIn(b)).members)
        return rounds() >= from + 8
      },
      { timeoutMs: 30_000, message: 'b to run 8 anti-entropy rounds' }
    )
    const handed = (await signedStatesOf(observer, bAddr)).filter((s) => minted.has(subjectOf(s))).length
    const asked = observer.received.filter((r) => r.type === 'state_sync').at(-1)
    const listed = ((asked?.versions ?? []) as Array<{ peerId: string }>).filter((v) => minted.has(v.peerId))
    console.log(
      `poison after restart: minted taken a ${poisoned.a.agents}, b ${poisoned.b.agents} of ${MINTED}; ` +
        `let go ${cleanS} s after the rogue left; restarted b: at most ${worst} minted in agents/members, ` +
        `${handed} handed on, ${listed.length} in its own state_sync`
    )
    assert.equal(worst, 0, 'no minted identity reached the restarted node’s agents or members')
    assert.equal(handed, 0, 'the restarted node hands on no minted state')
    assert.equal(listed.length, 0, 'its own state_sync lists no minted peer')
  })
})
