import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Message } from '@libp2p/gossipsub'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { STATE_TOPIC } from '@mesh-node/protocol'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { createHostilePeer, type HostilePeer } from '../helpers/hostile-peer.js'
import {
  gossipOf,
  mintedSignedState,
  sendGossip,
  signedStatesOf,
  subjectOf,
  type WireSignedState
} from '../helpers/signed-states.js'
import { waitFor } from '../helpers/wait.js'

/**
 * A signed state outlives its peer: its signature stays valid. The rogue
 * keeps the dead peer's last signed state and hands it to the survivor in
 * every anti-entropy reply, both while the detector holds the peer dead and
 * after the peer was purged (`mesh.departedPurgeMs`), when nothing marks it
 * dead any more but its tombstone.
 */
describe('a replayed signed state does not bring a dead peer back', { timeout: 120_000 }, () => {
  let a: TestDaemon
  let c: TestDaemon
  let rogue: HostilePeer
  let replayed: WireSignedState | undefined
  /** state_sync requests from a, answered with the replayed state. */
  let replays = 0

  const ghostAgents = async () =>
    (await a.client.agents({ capability: 'ghost' })).filter((x) => x.peerId === c.peerId)
  const cMember = async () => (await a.client.status()).members.find((m) => m.peerId === c.peerId)

  before(async () => {
    const tag = uniqueTag()
    const mesh = { syncIntervalMs: 300, suspicionTimeoutMs: 300, departedPurgeMs: 3000 }
    const ghost = {
      name: 'g',
      capabilities: ['ghost'],
      capacity: 1,
      handler: { kind: 'builtin', name: 'echo' }
    }
    ;[a, c] = await Promise.all([
      startTestDaemon({ tag, config: { mesh } }),
      startTestDaemon({ tag, config: { mesh, agents: [ghost] } })
    ])
    rogue = await createHostilePeer({
      onRequest: (req, remote) => {
        if (req.type !== 'state_sync') return undefined
        if (remote === a.peerId && replayed != null) replays++
        return {
          type: 'state_sync_reply',
          id: req.id,
          states: [],
          signed: replayed == null ? [] : [replayed]
        }
      }
    })
    const aAddr = (await a.client.id()).addresses[0] as string
    const cAddr = (await c.client.id()).addresses[0] as string
    await rogue.connect(aAddr)
    await rogue.connect(cAddr)
    await waitFor(async () => (await ghostAgents()).length === 1, {
      timeoutMs: 30_000,
      message: 'a to know c'
    })
  })

  after(async () => {
    await rogue?.stop()
    await stopAll([a, c])
  })

  it('ignores the dead peer’s last signed state, while held dead and after its purge', async () => {
    const cAddr = (await c.client.id()).addresses[0] as string
    // c's own latest signed state, as c hands it to anyone who asks.
    const last = (await signedStatesOf(rogue, cAddr)).find((s) => subjectOf(s) === c.peerId)
    assert.ok(last != null, 'c hands on its own signed state')
    c.kill('SIGKILL')
    await waitFor(async () => (await cMember())?.state === 'dead', {
      timeoutMs: 20_000,
      message: 'a to declare c dead'
    })
    replayed = last
    await waitFor(() => replays >= 5, { timeoutMs: 20_000, message: 'a to take 5 replays while c is dead' })
    assert.equal((await ghostAgents()).length, 0, 'no agent of the dead peer while it is held dead')
    assert.notEqual((await cMember())?.state, 'alive')
    const whileDead = replays
    await waitFor(async () => (await cMember()) == null, { timeoutMs: 20_000, message: 'a to purge c' })
    const purgedAt = replays
    await waitFor(() => replays >= purgedAt + 10, {
      timeoutMs: 20_000,
      message: 'a to take 10 replays after the purge'
    })
    console.log(
      `replayed state of a dead peer: ${whileDead} replays while held dead, ${replays - purgedAt} after its purge; ` +
        `its agents on a: ${(await ghostAgents()).length}, member: ${(await cMember())?.state ?? 'none'}`
    )
    assert.equal((await ghostAgents()).length, 0, 'no agent of the purged peer comes back')
    assert.equal(await cMember(), undefined, 'the purged peer is no member again')
  })
})

/**
 * Starts `c`, has the rogue keep one of c's own signed gossip messages and
 * waits until it is past every gossip cache (gossipsub's message cache is
 * 5 s), so a daemon started now cannot have it from anyone.
 */
async function oldGossipOf(c: TestDaemon, rogue: HostilePeer): Promise<Message> {
  const fromC: Message[] = []
  rogue.node.services.pubsub.addEventListener('message', (evt) => {
    const m = evt.detail
    if (m.topic === STATE_TOPIC && m.type === 'signed' && m.from.toString() === c.peerId) fromC.push(m)
  })
  await rogue.connect((await c.client.id()).addresses[0] as string)
  await waitFor(() => fromC.length > 0, { timeoutMs: 20_000, message: 'a gossip message of c' })
  await waitFor(() => fromC.length >= 16, { timeoutMs: 30_000, message: '8 s more of c gossip' })
  return fromC[0] as Message
}

/**
 * Sends `old` to `target` by gossipsub, whose duplicate cache has never had
 * it; then a canary (a minted identity's fresh state) in a later RPC, and
 * waits until the target lists the canary: it has taken what came before.
 */
async function replayGossip(rogue: HostilePeer, target: TestDaemon, old: Message, phase: string) {
  const key = await generateKeyPair('Ed25519')
  const canary = peerIdFromPrivateKey(key).toString()
  await waitFor(() => sendGossip(rogue, target.peerId, [wireOf(old)]), {
    timeoutMs: 10_000,
    message: `a gossipsub stream to the target (${phase})`
  })
  sendGossip(rogue, target.peerId, [gossipOf(await mintedSignedState(key, 1))])
  await waitFor(async () => (await target.client.status()).members.some((m) => m.peerId === canary), {
    timeoutMs: 10_000,
    message: `the target to take the canary (${phase})`
  })
}

/**
 * The replay by gossip: the rogue keeps one of c's own signed gossip
 * messages, one the survivor a never saw (a joined later), and once a holds
 * c dead it sends it to a by gossipsub.
 */
describe('a replayed gossip message does not bring a dead peer back as alive', { timeout: 120_000 }, () => {
  let a: TestDaemon | undefined
  let c: TestDaemon
  let rogue: HostilePeer

  after(async () => {
    await rogue?.stop()
    await stopAll([a, c])
  })

  it('ignores an old signed gossip message of a peer held dead or purged', async () => {
    const tag = uniqueTag()
    const mesh = { heartbeatMs: 500, suspicionTimeoutMs: 300, departedPurgeMs: 3000 }
    c = await startTestDaemon({ tag, config: { mesh } })
    rogue = await createHostilePeer()
    const old = await oldGossipOf(c, rogue)
    a = await startTestDaemon({ tag, config: { mesh } })
    const survivor = a
    const member = async () => (await survivor.client.status()).members.find((m) => m.peerId === c.peerId)
    await waitFor(async () => (await member())?.state === 'alive', {
      timeoutMs: 30_000,
      message: 'a to know c'
    })
    const aAddr = (await a.client.id()).addresses[0] as string
    await rogue.connect(aAddr)
    // a holds a state of c from c's own gossip (the version its tombstone will keep).
    await waitFor(async () => (await signedStatesOf(rogue, aAddr)).some((s) => subjectOf(s) === c.peerId), {
      timeoutMs: 20_000,
      message: 'a to hold a state of c'
    })
    c.kill('SIGKILL')
    await waitFor(async () => (await member())?.state === 'dead', { timeoutMs: 20_000, message: 'c dead' })
    await replayGossip(rogue, survivor, old, 'held dead')
    const whileDead = (await member())?.state ?? 'none'
    await waitFor(async () => (await member()) == null, { timeoutMs: 20_000, message: 'a to purge c' })
    await replayGossip(rogue, survivor, old, 'purged')
    const afterPurge = (await member())?.state ?? 'none'
    console.log(
      `replayed gossip of a dead peer: c is ${whileDead} while held dead, ${afterPurge} after its purge`
    )
    assert.equal(whileDead, 'dead', 'the replay does not revive c')
    assert.equal(afterPurge, 'none', 'the replay does not bring the purged c back')
  })

  /**
   * A node started after c died never held a state of c, so it has no
   * tombstone: c's old gossip is new to it. It must still not take c as
   * alive, nor route to c's agents, and must find c dead by its own probes.
   */
  it('does not take a dead peer as alive on a node that never held its state', async () => {
    const tag = uniqueTag()
    const mesh = { heartbeatMs: 500, suspicionTimeoutMs: 300 }
    const ghost = {
      name: 'g',
      capabilities: ['ghost'],
      capacity: 1,
      handler: { kind: 'builtin', name: 'echo' }
    }
    c = await startTestDaemon({ tag: uniqueTag(), config: { mesh, agents: [ghost] } })
    await rogue?.stop()
    rogue = await createHostilePeer()
    const old = await oldGossipOf(c, rogue)
    c.kill('SIGKILL')
    await stopAll([a])
    const newcomer = await startTestDaemon({ tag, config: { mesh } })
    a = newcomer
    await rogue.connect((await newcomer.client.id()).addresses[0] as string)
    const seen = new Set<string>()
    let ghostListed = 0
    let watching = true
    // Watch c on the newcomer from the replay on, as often as the API answers.
    const watch = (async () => {
      while (watching) {
        const [status, agents] = await Promise.all([
          newcomer.client.status(),
          newcomer.client.agents({ capability: 'ghost' })
        ])
        const m = status.members.find((x) => x.peerId === c.peerId)
        seen.add(m == null ? 'none' : `${m.state}${m.unverified === true ? ' (unverified)' : ''}`)
        ghostListed += agents.filter((x) => x.peerId === c.peerId).length
      }
    })()
    const replayedAt = Date.now()
    await replayGossip(rogue, newcomer, old, 'newcomer')
    const held = (await newcomer.client.status()).members.find((m) => m.peerId === c.peerId)
    await waitFor(
      async () =>
        (await newcomer.client.status()).members.find((m) => m.peerId === c.peerId)?.state === 'dead',
      { timeoutMs: 20_000, message: 'the newcomer to find c dead' }
    )
    const deadAfterMs = Date.now() - replayedAt
    watching = false
    await watch
    console.log(
      `replayed gossip of a dead peer on a node that never held it: c seen as ${[...seen].join(', ')}; ` +
        `dead ${deadAfterMs} ms after the replay; its agent listed ${ghostListed} times`
    )
    assert.ok(held != null, 'the newcomer took the replayed state')
    assert.ok(!seen.has('alive'), 'c is never alive on the newcomer')
    assert.equal(ghostListed, 0, 'the dead peer’s agent is never listed')
  })
})

/** A gossipsub wire message (RPC.Message) from a received signed one, byte for byte as its subject signed it. */
function wireOf(msg: Message) {
  if (msg.type !== 'signed') throw new Error('unsigned message')
  const seqno = new Uint8Array(8)
  new DataView(seqno.buffer).setBigUint64(0, msg.sequenceNumber, false)
  return {
    from: msg.from.toMultihash().bytes,
    data: msg.data,
    seqno,
    topic: msg.topic,
    signature: msg.signature
  }
}
