import { generateKeyPair } from '@libp2p/crypto/keys'
import { type AgentRuntime, type AgentRuntimeInit, createAgentRuntime } from '@mesh-node/agents'
import { createMeshPeer, type MeshPeer } from '@mesh-node/peer'
import { type Rpc, rpc } from '@mesh-node/rpc'
import { pino } from 'pino'
import { type Membership, type MembershipInit, membership } from '../src/index.js'

/** `n` real libp2p peers on loopback, without mDNS (the tests dial them). */
export async function localPeers(n: number): Promise<MeshPeer[]> {
  return await Promise.all(
    Array.from(
      { length: n },
      async () =>
        await createMeshPeer({
          privateKey: await generateKeyPair('Ed25519'),
          listen: ['/ip4/127.0.0.1/tcp/0'],
          mdns: { enabled: false }
        })
    )
  )
}

/** Real peers, each with its agent runtime, rpc and membership, started; `stop()` tears all down. */
export interface MemberSet {
  peers: MeshPeer[]
  runtimes: AgentRuntime[]
  rpcs: Rpc[]
  members: Membership[]
  stop(): Promise<void>
}

export async function startMembers(
  agentsOf: Array<AgentRuntimeInit['agents']>,
  init: MembershipInit
): Promise<MemberSet> {
  const log = pino({ level: 'silent' })
  const peers = await localPeers(agentsOf.length)
  const runtimes = await Promise.all(
    agentsOf.map(async (agents) => await createAgentRuntime({ agents, baseDir: '.' }))
  )
  const rpcs = peers.map((p) => rpc()({ libp2p: p.libp2p, log }))
  const members = peers.map((p, i) =>
    membership(init)({ libp2p: p.libp2p, rpc: rpcs[i] as Rpc, runtime: runtimes[i] as AgentRuntime, log })
  )
  for (const [i, m] of members.entries()) {
    await m.start()
    await (rpcs[i] as Rpc).start()
  }
  return {
    peers,
    runtimes,
    rpcs,
    members,
    async stop() {
      for (const m of members) await m.stop()
      for (const r of rpcs) await r.stop()
      for (const r of runtimes) await r.close()
      for (const p of peers) await p.stop().catch(() => {})
    }
  }
}
