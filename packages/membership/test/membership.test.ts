import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { MeshPeer } from '@mesh-node/peer'
import type { Rpc } from '@mesh-node/rpc'
import { until } from '@mesh-node/test-utils'
import type { Membership, MembershipEvent } from '../src/index.js'
import { type MemberSet, startMembers } from './helpers.js'

describe('membership on three real libp2p peers', { timeout: 120_000 }, () => {
  let set: MemberSet
  let peers: MeshPeer[] = []
  let members: Membership[] = []
  let rpcs: Rpc[] = []
  const events: MembershipEvent[] = []
  const echo = (i: number) => ({
    name: `echo${i}`,
    capabilities: ['echo'],
    capacity: 1,
    handler: { kind: 'builtin' as const, name: 'echo' }
  })

  before(async () => {
    set = await startMembers([[], [echo(1)], [echo(2)]], {
      // Lenient enough that a loaded machine does not declare a live peer dead.
      failureDetector: { suspectAfterMs: 3000, probeTimeoutMs: 1000, suspicionTimeoutMs: 1000 },
      gossip: { heartbeatMs: 200 }
    })
    ;({ peers, members, rpcs } = set)
    ;(members[0] as Membership).failureDetector.onEvent((e) => events.push(e))
    const [a, b, c] = peers as [MeshPeer, MeshPeer, MeshPeer]
    await a.libp2p.dial(b.libp2p.getMultiaddrs())
    await a.libp2p.dial(c.libp2p.getMultiaddrs())
  })

  after(async () => {
    await set.stop()
  })

  it('learns every member’s agents through state gossip, and agrees on the digest', async () => {
    const [a, b, c] = members as [Membership, Membership, Membership]
    await until(() => a.registry.find('echo').length === 2, 'both remote agents on the first peer')
    assert.deepEqual(
      a.registry
        .find('echo')
        .map((v) => v.agent)
        .sort(),
      ['echo1', 'echo2']
    )
    // b and c are not connected to each other: c's state reaches b relayed through a.
    await until(() => b.registry.find('echo').length === 2, 'the relayed agent on the second peer')
    await until(
      () => a.registry.digest() === b.registry.digest() && b.registry.digest() === c.registry.digest(),
      'one digest'
    )
    assert.equal(a.failureDetector.state((peers[1] as MeshPeer).peerId.toString()), 'alive')
  })

  it('declares a stopped member dead, and only then drops its agents', async () => {
    const victim = (peers[2] as MeshPeer).peerId.toString()
    const a = members[0] as Membership
    await (members[2] as Membership).stop()
    await (rpcs[2] as Rpc).stop()
    await (peers[2] as MeshPeer).stop()
    await until(() => a.failureDetector.state(victim) === 'dead', 'the stopped peer declared dead')
    assert.ok(events.some((e) => e.type === 'peer_dead' && e.peerId === victim))
    assert.deepEqual(
      a.registry.find('echo').map((v) => v.agent),
      ['echo1']
    )
  })
})
