import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { createHostilePeer, type HostilePeer } from '../helpers/hostile-peer.js'
import { signedStatesOf, subjectOf, type WireSignedState } from '../helpers/signed-states.js'
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
