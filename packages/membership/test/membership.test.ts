import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { type AgentRuntime, createAgentRuntime } from '@mesh-node/agents'
import { createMeshPeer, type MeshPeer } from '@mesh-node/peer'
import { type Rpc, rpc } from '@mesh-node/rpc'
import { until } from '@mesh-node/test-utils'
import { pino } from 'pino'
import { type Membership, type MembershipEvent, membership } from '../src/index.js'

describe('membership on three real libp2p peers', { timeout: 120_000 }, () => {
  const log = pino({ level: 'silent' })
  let peers: MeshPeer[] = []
  let runtimes: AgentRuntime[] = []
  let rpcs: Rpc[] = []
  let members: Membership[] = []
  const events: MembershipEvent[] = []

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
    runtimes = await Promise.all(
      [0, 1, 2].map(
        async (i) =>
          await createAgentRuntime({
            agents:
              i === 0
                ? []
                : [
                    {
                      name: `echo${i}`,
                      capabilities: ['echo'],
                      capacity: 1,
                      handler: { kind: 'builtin', name: 'echo' }
                    }
                  ],
            baseDir: '.'
          })
      )
    )
    rpcs = peers.map((p) => rpc()({ libp2p: p.libp2p, log }))
    members = peers.map((p, i) =>
      membership({
        // Lenient enough that a loaded machine does not declare a live peer dead.
        failureDetector: { suspectAfterMs: 3000, probeTimeoutMs: 1000, suspicionTimeoutMs: 1000 },
        gossip: { heartbeatMs: 200 }
      })({ libp2p: p.libp2p, rpc: rpcs[i] as Rpc, runtime: runtimes[i] as AgentRuntime, log })
    )
    for (const [i, m] of members.entries()) {
      await m.start()
      await (rpcs[i] as Rpc).start()
    }
    ;(members[0] as Membership).failureDetector.onEvent((e) => events.push(e))
    const [a, b, c] = peers as [MeshPeer, MeshPeer, MeshPeer]
    await a.libp2p.dial(b.libp2p.getMultiaddrs())
    await a.libp2p.dial(c.libp2p.getMultiaddrs())
  })

  after(async () => {
    for (const m of members) await m.stop()
    for (const r of rpcs) await r.stop()
    for (const r of runtimes) await r.close()
    for (const p of peers) await p.stop().catch(() => {})
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
