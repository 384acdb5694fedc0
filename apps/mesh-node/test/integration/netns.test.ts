import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { at } from '@mesh-node/test-utils'
import { createNetwork, type NetnsNode, type Network, netnsUnavailable } from '../helpers/netns.js'
import { waitFor } from '../helpers/wait.js'

const skip = netnsUnavailable()

const agent = (name: string, capability: string) => ({
  agents: [{ name, capabilities: [capability], capacity: 2, handler: { kind: 'builtin', name: 'echo' } }]
})

describe('four hosts in network namespaces', { skip, timeout: 300_000 }, () => {
  let net: Network
  const nodes: NetnsNode[] = []

  before(async () => {
    net = createNetwork(4)
    nodes.push(
      ...(await Promise.all([
        net.start(1, { config: agent('left', 'left.side') }),
        net.start(2),
        net.start(3, { config: agent('right', 'right.side') }),
        net.start(4)
      ]))
    )
  })

  after(async () => {
    await Promise.all(nodes.map(async (n) => await n.stop()))
    net?.down()
  })

  const digests = async (group: NetnsNode[]): Promise<string[]> =>
    await Promise.all(group.map(async (n) => (await n.json<{ digest: string }>(['status'])).digest))

  it('discover each other by mDNS across real addresses', async () => {
    for (const n of nodes) {
      await waitFor(
        async () => {
          const peers = await n.json<Array<{ peerId: string; addresses: string[] }>>(['peers'])
          return nodes
            .filter((o) => o !== n)
            .every((o) =>
              peers.some(
                (p) => p.peerId === o.peerId && p.addresses.some((a) => a.includes(`/ip4/${o.address}/`))
              )
            )
        },
        { timeoutMs: 20_000, message: `host ${n.host} to connect to every other host` }
      )
    }
    await waitFor(async () => new Set(await digests(nodes)).size === 1, {
      timeoutMs: 20_000,
      message: 'one digest on all hosts'
    })
  })

  it('splits in two and heals: no task is lost, and state converges', async () => {
    const [h1, h2, h3, h4] = [at(nodes, 0), at(nodes, 1), at(nodes, 2), at(nodes, 3)]
    net.partition('1,2', '3,4')
    // Each side stops seeing the other side's agents.
    await waitFor(
      async () => !(await h2.json<Array<{ peerId: string }>>(['agents'])).some((a) => a.peerId === h3.peerId),
      {
        timeoutMs: 20_000,
        message: 'host 2 to drop host 3 after the split'
      }
    )
    await waitFor(
      async () => !(await h4.json<Array<{ peerId: string }>>(['agents'])).some((a) => a.peerId === h1.peerId),
      {
        timeoutMs: 20_000,
        message: 'host 4 to drop host 1 after the split'
      }
    )

    // Work on the near side still runs; work for the far side waits, queued.
    const near = await h2.json<{ status: string; executor: string }>([
      'submit',
      '--capability',
      'left.side',
      '--input',
      '"near"'
    ])
    assert.equal(near.status, 'completed')
    assert.equal(near.executor, h1.peerId)
    const { taskId } = await h2.json<{ taskId: string }>([
      'submit',
      '--capability',
      'right.side',
      '--input',
      '"across the split"',
      '--queue',
      '--no-wait'
    ])
    assert.equal((await h2.json<{ status: string }>(['task', taskId])).status, 'queued')

    net.healAll()
    const done = await waitFor(
      async () => {
        const t = await h2.json<{ status: string; result: unknown; executor: string }>(['task', taskId])
        return t.status === 'completed' ? t : undefined
      },
      { timeoutMs: 45_000, message: 'the queued task to run after the heal' }
    )
    assert.equal(done.result, 'across the split')
    assert.equal(done.executor, h3.peerId)
    await waitFor(async () => new Set(await digests(nodes)).size === 1, {
      timeoutMs: 30_000,
      message: 'digests to converge after the heal'
    })
  })
})
