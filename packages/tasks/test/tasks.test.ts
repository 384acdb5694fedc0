import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { type AgentRuntime, type AgentSpec, createAgentRuntime } from '@mesh-node/agents'
import { type Membership, membership } from '@mesh-node/membership'
import { createMeshPeer, type MeshPeer } from '@mesh-node/peer'
import { MAX_HOPS } from '@mesh-node/protocol'
import {
  type CapabilityProviders,
  createCapabilityProviders,
  type Discovery,
  discovery
} from '@mesh-node/routing'
import { type Rpc, rpc } from '@mesh-node/rpc'
import { at, until } from '@mesh-node/test-utils'
import { pino } from 'pino'
import { type RouteAttemptOutcome, type TaskEvent, type Tasks, tasks } from '../src/index.js'
import { taskRequest } from '../src/messages/task-request.js'

/** One node as createMesh composes it, minus coordination: a real libp2p peer, rpc, membership, tasks. */
interface Node {
  peer: MeshPeer
  id: string
  runtime: AgentRuntime
  providers: CapabilityProviders
  discovery: Discovery
  rpc: Rpc
  members: Membership
  tasks: Tasks
  events: TaskEvent[]
}

const builtin = (name: string, capability: string, builtinName: string, capacity = 2): AgentSpec => ({
  name,
  capabilities: [capability],
  capacity,
  handler: { kind: 'builtin', name: builtinName }
})

async function startNode(agents: AgentSpec[]): Promise<Node> {
  const log = pino({ level: 'silent' })
  const privateKey = await generateKeyPair('Ed25519')
  const peer = await createMeshPeer({
    privateKey,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: { enabled: false }
  })
  const runtime = await createAgentRuntime({ agents, baseDir: '.' })
  const node = rpc()({ libp2p: peer.libp2p, log })
  // Lenient enough that a loaded machine does not declare a live peer dead.
  const members = membership({
    failureDetector: { suspectAfterMs: 5000, probeTimeoutMs: 1500, suspicionTimeoutMs: 1500 },
    gossip: { heartbeatMs: 200 }
  })({ libp2p: peer.libp2p, rpc: node, runtime, log })
  const id = peer.peerId.toString()
  const providers = createCapabilityProviders({
    libp2p: peer.libp2p,
    capabilities: () => runtime.capabilities(),
    log
  })
  const found = discovery()({
    runtime,
    registry: members.registry,
    providers,
    rpc: node,
    events: peer.libp2p,
    log
  })
  const service = tasks()({
    rpc: node,
    registry: members.registry,
    discovery: found,
    runtime,
    events: peer.libp2p,
    selfPeerId: id,
    log,
    // Signs its agents' answers: unsigned ones are believed only from the peer that ran them.
    privateKey
  })
  const events: TaskEvent[] = []
  service.onTaskEvent((e) => events.push(e))
  await members.start()
  providers.start()
  found.start()
  await service.start()
  await node.start()
  return { peer, id, runtime, rpc: node, members, providers, discovery: found, tasks: service, events }
}

/** Stops every part even when one fails to, so the next test file starts clean. */
async function stopNode(n: Node): Promise<void> {
  const parts = [
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

/** Each node sees the others' agents for each capability named. */
async function connect(nodes: Node[], wants: Array<[Node, string, number]>): Promise<void> {
  for (const a of nodes)
    for (const b of nodes) if (a !== b) await a.peer.libp2p.dial(at(b.peer.libp2p.getMultiaddrs(), 0))
  for (const [n, capability, peers] of wants)
    await until(
      () => new Set(n.members.registry.find(capability).map((v) => v.peerId)).size >= peers,
      `${capability} on ${peers} peers`
    )
}

const executions = (n: Node, taskId: string): TaskEvent[] =>
  n.events.filter((e) => e.taskId === taskId && e.role === 'executor' && e.status !== 'started')

describe('tasks on three real libp2p peers', { timeout: 180_000 }, () => {
  // a: no agents (the origin); b: work fails, slow is a single slot; c: work and slow succeed.
  let a: Node
  let b: Node
  let c: Node
  const blocker = new AbortController()

  before(async () => {
    a = await startNode([])
    b = await startNode([builtin('broken', 'work', 'fail'), builtin('one-slot', 'slow', 'slow', 1)])
    c = await startNode([builtin('good', 'work', 'echo'), builtin('roomy', 'slow', 'echo')])
    await connect(
      [a, b, c],
      [
        [a, 'work', 2],
        [a, 'slow', 2],
        [b, 'slow', 2]
      ]
    )
  })

  after(async () => {
    blocker.abort()
    for (const n of [a, b, c]) if (n != null) await stopNode(n)
  })

  it('dispatches to the preferred peer and fails over to the next on a handler failure', async () => {
    const attempts: Array<[string, RouteAttemptOutcome | 'started']> = []
    const observer = {
      started: (executor: string) => {
        attempts.push([executor, 'started'])
      },
      ended: (executor: string, outcome: RouteAttemptOutcome) => {
        attempts.push([executor, outcome])
      }
    }
    const out = await a.tasks.submit({
      capability: 'work',
      input: { n: 1 },
      timeoutMs: 20_000,
      preferPeer: b.id,
      failover: true,
      observer
    })
    assert.equal(out.status, 'completed', JSON.stringify(out.error))
    assert.deepEqual(out.result, { n: 1 })
    assert.equal(out.executor, c.id)
    assert.deepEqual(attempts, [
      [b.id, 'started'],
      [b.id, 'failed'],
      [c.id, 'started'],
      [c.id, 'completed']
    ])
  })

  it('without failover, answers the handler failure of the first candidate', async () => {
    const out = await a.tasks.submit({ capability: 'work', input: {}, timeoutMs: 20_000, preferPeer: b.id })
    assert.equal(out.status, 'failed')
    assert.equal(out.executor, b.id)
    assert.equal(out.error?.code, 'handler_failed')
    assert.deepEqual(out.path, [a.id, b.id])
  })

  it('a busy receiver forwards while hops are left, and refuses once they are spent', async () => {
    // Take b's one slow slot, so b can only pass slow tasks on.
    void b.runtime.runTask(
      {
        type: 'task_request',
        taskId: randomUUID(),
        capability: 'slow',
        input: { ms: 120_000 },
        from: b.id,
        deadline: Date.now() + 150_000
      },
      { signal: blocker.signal }
    )
    await until(() => b.runtime.candidates('slow').every((s) => s.running >= s.capacity), 'b full')

    const forwarded = await a.tasks.submit({
      capability: 'slow',
      input: 'x',
      timeoutMs: 20_000,
      candidates: [b.id]
    })
    assert.equal(forwarded.status, 'completed', JSON.stringify(forwarded.error))
    assert.equal(forwarded.executor, c.id)
    assert.deepEqual(forwarded.path, [a.id, b.id, c.id])

    // Straight to b with the last hop used: it may not pass the task on.
    const taskId = randomUUID()
    const spent = await a.rpc.request(
      taskRequest,
      b.peer.peerId,
      {
        taskId,
        capability: 'slow',
        input: 'y',
        from: a.id,
        deadline: Date.now() + 20_000,
        hops: MAX_HOPS,
        path: [a.id]
      },
      { timeoutMs: 20_000 }
    )
    assert.equal(spent.status, 'busy')
    assert.equal(spent.executor, undefined)
    assert.equal(executions(c, taskId).length, 0)
  })

  it('runs a repeated task_request once and answers every copy the same', async () => {
    const taskId = randomUUID()
    const send = async () =>
      await a.rpc.request(
        taskRequest,
        c.peer.peerId,
        {
          taskId,
          capability: 'work',
          input: { once: true },
          from: a.id,
          deadline: Date.now() + 20_000,
          hops: 1,
          path: [a.id]
        },
        { timeoutMs: 20_000 }
      )
    // Two copies at once (the second waits on the first), then one after it finished.
    const [first, second] = await Promise.all([send(), send()])
    const third = await send()
    for (const r of [first, second, third]) {
      assert.equal(r.status, 'completed')
      assert.deepEqual(r.result, { once: true })
      assert.equal(r.executor, c.id)
    }
    assert.equal(executions(c, taskId).length, 1)
  })
})
