import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { type AgentRuntime, createAgentRuntime } from '@mesh-node/agents'
import { createMeshPeer, type MeshPeer } from '@mesh-node/peer'
import { at, until } from '@mesh-node/test-utils'
import { pino } from 'pino'
import { createMesh, type Mesh } from '../src/index.js'

describe('mesh subsystems on two real libp2p peers', { timeout: 60_000 }, () => {
  const log = pino({ level: 'silent' })
  let peers: MeshPeer[] = []
  let runtimes: AgentRuntime[] = []
  let meshes: Mesh[] = []

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
    runtimes = await Promise.all([
      createAgentRuntime({ agents: [], baseDir: '.' }),
      createAgentRuntime({
        agents: [
          { name: 'echo', capabilities: ['echo'], capacity: 2, handler: { kind: 'builtin', name: 'echo' } }
        ],
        baseDir: '.'
      })
    ])
    meshes = peers.map((p, i) =>
      createMesh(
        { libp2p: p.libp2p, runtime: at(runtimes, i), log },
        {
          failureDetector: { suspectAfterMs: 500, probeTimeoutMs: 300, suspicionTimeoutMs: 300 },
          gossip: { heartbeatMs: 200 }
        }
      )
    )
    for (const m of meshes) await m.start()
    await at(peers, 0).libp2p.dial(at(at(peers, 1).libp2p.getMultiaddrs(), 0))
  })

  after(async () => {
    for (const m of meshes) await m.stop().catch(() => {})
    for (const r of runtimes) await r.close()
    for (const p of peers) await p.stop().catch(() => {})
  })

  it('learns the other peer’s agents and routes a task to it', async () => {
    await until(() => at(meshes, 0).registry.find('echo').length === 1, 'the remote agent')
    const out = await at(meshes, 0).tasks.submit({ capability: 'echo', input: { x: 1 }, timeoutMs: 5000 })
    assert.equal(out.status, 'completed')
    assert.deepEqual(out.result, { x: 1 })
    assert.equal(out.executor, at(peers, 1).peerId.toString())
    assert.deepEqual(out.path, [at(peers, 0).peerId.toString(), at(peers, 1).peerId.toString()])
  })

  it('answers fast with no_agent for a capability nobody has', async () => {
    const out = await at(meshes, 0).tasks.submit({ capability: 'missing', input: null, timeoutMs: 3000 })
    assert.equal(out.status, 'failed')
    assert.equal(out.error?.code, 'no_agent')
  })

  it('declares a stopped peer dead and drops its agents', async () => {
    const dead = new Promise<string>((resolve) => {
      at(meshes, 0).failureDetector.onEvent((e) => {
        if (e.type === 'peer_dead') resolve(e.peerId)
      })
    })
    await at(meshes, 1).stop()
    await at(peers, 1).stop()
    assert.equal(await dead, at(peers, 1).peerId.toString())
    assert.deepEqual(at(meshes, 0).registry.find('echo'), [])
  })
})
