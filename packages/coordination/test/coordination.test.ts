import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { type AgentRuntime, createAgentRuntime } from '@mesh-node/agents'
import { type Membership, membership } from '@mesh-node/membership'
import { createMeshPeer, type MeshPeer } from '@mesh-node/peer'
import {
  type CapabilityProviders,
  createCapabilityProviders,
  type Discovery,
  discovery
} from '@mesh-node/routing'
import { type Rpc, rpc } from '@mesh-node/rpc'
import { type Tasks, tasks } from '@mesh-node/tasks'
import { at, until } from '@mesh-node/test-utils'
import { pino } from 'pino'
import { type Coordination, CoordinationError, coordination, type SubmitTask } from '../src/index.js'

interface Node {
  peer: MeshPeer
  id: string
  runtime: AgentRuntime
  providers: CapabilityProviders
  discovery: Discovery
  rpc: Rpc
  members: Membership
  tasks: Tasks
  rounds: Coordination
  events: Array<{ type: string; [field: string]: unknown }>
}

/** The daemon submits through its journal; here the task service itself is the submitting component. */
const submitWith =
  (service: Tasks): SubmitTask =>
  async (task, { signal, traceparent }) => {
    const out = await service.submit({ ...task, signal, traceparent })
    return {
      taskId: out.taskId,
      status: out.status,
      result: out.result ?? null,
      error: out.error ?? null,
      executor: out.executor ?? null,
      agent: out.agent ?? null,
      path: out.path
    }
  }

async function startNode(agent: string): Promise<Node> {
  const log = pino({ level: 'silent' })
  const peer = await createMeshPeer({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: { enabled: false }
  })
  const runtime = await createAgentRuntime({
    agents: [
      { name: agent, capabilities: ['work'], capacity: 2, handler: { kind: 'builtin', name: 'echo' } }
    ],
    baseDir: '.'
  })
  const node = rpc()({ libp2p: peer.libp2p, log })
  // Lenient enough that a loaded machine does not declare a live peer dead.
  const members = membership({
    failureDetector: { suspectAfterMs: 5000, probeTimeoutMs: 1500, suspicionTimeoutMs: 1500 },
    gossip: { heartbeatMs: 200 }
  })({ libp2p: peer.libp2p, rpc: node, runtime, log })
  const id = peer.peerId.toString()
  const components = { rpc: node, registry: members.registry, runtime, selfPeerId: id, log }
  const providers = createCapabilityProviders({
    libp2p: peer.libp2p,
    capabilities: () => runtime.capabilities(),
    log
  })
  const found = discovery()({ ...components, providers, events: peer.libp2p })
  const service = tasks()({ ...components, discovery: found, events: peer.libp2p })
  const events: Node['events'] = []
  const rounds = coordination()({
    ...components,
    pubsub: peer.libp2p.services.pubsub,
    tasks: service,
    submit: submitWith(service),
    emit: (e) => events.push(e)
  })
  await members.start()
  providers.start()
  found.start()
  await service.start()
  await rounds.start()
  await node.start()
  return {
    peer,
    id,
    runtime,
    rpc: node,
    members,
    providers,
    discovery: found,
    tasks: service,
    rounds,
    events
  }
}

async function stopNode(n: Node): Promise<void> {
  const parts = [
    n.rounds,
    n.tasks,
    n.discovery,
    n.rpc,
    n.providers,
    n.members,
    { stop: () => n.runtime.close() },
    n.peer
  ]
  for (const part of parts) await Promise.resolve(part.stop()).catch(() => {})
}

describe('coordination on two real libp2p peers', { timeout: 120_000 }, () => {
  let a: Node
  let b: Node

  before(async () => {
    a = await startNode('alpha')
    b = await startNode('beta')
    await a.peer.libp2p.dial(at(b.peer.libp2p.getMultiaddrs(), 0))
    await until(() => a.members.registry.find('work').length === 2, "b's agent in a's registry")
  })

  after(async () => {
    for (const n of [a, b]) if (n != null) await stopNode(n)
  })

  it('asks every agent in a vote and tallies their choices', async () => {
    const result = await a.rounds.vote({ question: 'which?', options: ['x', 'y'], timeoutMs: 20_000 })
    assert.equal(result.asked, 2)
    assert.equal(result.votes.length, 2, JSON.stringify(result.abstained))
    assert.equal(result.choice, 'x')
    assert.equal(result.confidence, 1)
    assert.deepEqual(
      a.events.map((e) => e.type),
      ['vote_started', 'vote_done']
    )
  })

  it('runs an auction: both agents bid, and the task runs on a bidder through submit', async () => {
    // Gossip may take a moment to carry the call for bids to b: repeat until both bid.
    let won: Awaited<ReturnType<Coordination['auction']>> | undefined
    for (let i = 0; i < 20 && (won == null || won.bids.length < 2); i++) {
      won = await a.rounds.auction({ capability: 'work', input: { i }, deadlineMs: 3000, timeoutMs: 20_000 })
    }
    assert.ok(won != null)
    assert.equal(won.bids.length, 2)
    assert.equal(won.status, 'completed')
    assert.ok([a.id, b.id].includes(won.executor ?? ''), `executor ${won.executor}`)
    assert.deepEqual(new Set(won.bids.map((x) => x.peerId)), new Set([a.id, b.id]))
    assert.equal(won.winnerPeerId, won.bids[0]?.peerId)
  })

  it('says no_bids when no agent has the capability', async () => {
    await assert.rejects(
      a.rounds.auction({ capability: 'nobody', input: null, deadlineMs: 500, timeoutMs: 5000 }),
      (err: unknown) => err instanceof CoordinationError && err.code === 'no_bids'
    )
    assert.equal(a.events.at(-1)?.type, 'auction_closed')
  })
})
