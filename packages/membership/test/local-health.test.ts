import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { MeshPeer } from '@mesh-node/peer'
import type { Rpc } from '@mesh-node/rpc'
import { until } from '@mesh-node/test-utils'
import type { Membership, MembershipEvent } from '../src/index.js'
import { LocalHealth, suspicionTimeoutFor } from '../src/local-health.js'
import { type MemberSet, startMembers } from './helpers.js'

describe('local health and suspicion timeouts', () => {
  it('grows the suspicion timeout with log10 of the member count, never below the base', () => {
    assert.equal(suspicionTimeoutFor(1500, 1), 1500)
    assert.equal(suspicionTimeoutFor(1500, 7), 1500)
    assert.equal(suspicionTimeoutFor(1500, 40), 2403)
    assert.equal(suspicionTimeoutFor(1500, 1000), 4500)
  })

  it('rises on late ticks up to its cap, and falls back after on-time ones', () => {
    const h = new LocalHealth({ maxScore: 3, lagThresholdMs: 100, healthyTicksPerStep: 2 })
    assert.equal(h.multiplier(), 1)
    for (let i = 0; i < 5; i++) h.tick(150)
    assert.equal(h.score, 3)
    assert.equal(h.multiplier(), 4)
    h.tick(10)
    assert.equal(h.score, 3, 'one on-time tick is not yet a step')
    h.tick(10)
    assert.equal(h.score, 2)
    for (let i = 0; i < 10; i++) h.tick(0)
    assert.equal(h.score, 0)
  })
})

/**
 * Three real libp2p peers in this process, with timings tight enough that a
 * loop that is busy 90 % of the time misses pongs and heartbeats (a probe
 * timeout of 100 ms, dead 300 ms after suspicion): without local health
 * they declare each other dead within seconds.
 */
describe('a node whose own event loop lags', { timeout: 120_000 }, () => {
  let set: MemberSet
  let peers: MeshPeer[] = []
  let members: Membership[] = []
  let rpcs: Rpc[] = []
  const events: MembershipEvent[] = []

  before(async () => {
    set = await startMembers([[], [], []], {
      failureDetector: { suspectAfterMs: 500, probeTimeoutMs: 100, suspicionTimeoutMs: 300 },
      // Heartbeats rarer than the silence before a probe: liveness rests on the probes.
      gossip: { heartbeatMs: 2000 }
    })
    ;({ peers, members, rpcs } = set)
    for (const m of members) m.failureDetector.onEvent((e) => events.push(e))
    const [a, b, c] = peers as [MeshPeer, MeshPeer, MeshPeer]
    await a.libp2p.dial(b.libp2p.getMultiaddrs())
    await a.libp2p.dial(c.libp2p.getMultiaddrs())
    await b.libp2p.dial(c.libp2p.getMultiaddrs())
    const ids = peers.map((p) => p.peerId.toString())
    await until(
      () => members.every((m, i) => ids.every((id, j) => i === j || m.failureDetector.state(id) === 'alive')),
      'every peer alive for every other'
    )
  })

  after(async () => {
    await set.stop()
  })

  it('declares nobody dead while it lags, and still finds a dead peer once healthy', async () => {
    // 180 ms of every 200 busy: each lag stays under the stall rule
    // (suspectAfterMs / 2), so only local health can excuse the misses.
    const busy = setInterval(() => {
      const end = Date.now() + 180
      while (Date.now() < end) {
        /* the overloaded loop */
      }
    }, 200)
    let worst = 0
    try {
      const end = Date.now() + 8000
      while (Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100))
        worst = Math.max(worst, ...members.map((m) => m.failureDetector.localHealth()))
      }
    } finally {
      clearInterval(busy)
    }
    assert.deepEqual(
      events.filter((e) => e.type === 'peer_dead'),
      [],
      'no live peer declared dead under load'
    )
    assert.ok(worst > 0, 'local health noticed the lag')

    const a = members[0] as Membership
    await until(() => a.failureDetector.localHealth() === 0, 'local health back to 0', 20_000)
    const victim = (peers[2] as MeshPeer).peerId.toString()
    await (members[2] as Membership).stop()
    await (rpcs[2] as Rpc).stop()
    await (peers[2] as MeshPeer).stop()
    await until(() => a.failureDetector.state(victim) === 'dead', 'the stopped peer declared dead', 20_000)
  })
})
