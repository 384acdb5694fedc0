import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { PeerInfo, StatusInfo } from '@mesh-node/client'
import { present } from '@mesh-node/test-utils'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { createNetwork, type NetnsNode, type Network, netnsUnavailable } from '../helpers/netns.js'
import { waitFor } from '../helpers/wait.js'

const REJOIN_MS = 5000

const echo = (name: string) => ({
  name,
  capabilities: [`cap-${name}`],
  handler: { kind: 'builtin', name: 'echo' }
})

/** How a test talks to one daemon, on loopback or inside a namespace. */
interface Node {
  peerId: string
  peers(): Promise<PeerInfo[]>
  status(): Promise<StatusInfo>
  agentPeers(): Promise<string[]>
}

const viaApi = (d: TestDaemon): Node => ({
  peerId: d.peerId,
  peers: async () => await d.client.peers(),
  status: async () => await d.client.status(),
  agentPeers: async () => (await d.client.agents()).map((a) => a.peerId)
})

const viaCli = (n: NetnsNode): Node => ({
  peerId: n.peerId,
  peers: async () => await n.json<PeerInfo[]>(['peers']),
  status: async () => await n.json<StatusInfo>(['status']),
  agentPeers: async () => (await n.json<Array<{ peerId: string }>>(['agents'])).map((a) => a.peerId)
})

/**
 * Waits until every pair of `nodes` is connected and knows the other's
 * agents, then returns how long after the later daemon process began its
 * start each connection opened. Measured with the daemons' own clocks
 * (`startedAt`, `connectedSince`), so slow polling on a loaded machine does
 * not count; the agents' arrival is checked, not timed.
 */
async function rejoinTimes(nodes: Node[], address?: (n: Node) => string): Promise<number[]> {
  const startedAt = Math.max(...(await Promise.all(nodes.map(async (n) => (await n.status()).startedAt))))
  const times: number[] = []
  for (const x of nodes) {
    for (const y of nodes.filter((o) => o !== x)) {
      const link = await waitFor(
        async () => {
          const p = (await x.peers()).find((q) => q.peerId === y.peerId)
          if (p == null || (address != null && !p.addresses.some((a) => a.includes(`/${address(y)}/`))))
            return
          return (await x.agentPeers()).includes(y.peerId) ? p : undefined
        },
        { timeoutMs: 30_000, intervalMs: 50, message: `${x.peerId} to see ${y.peerId} and its agent again` }
      )
      times.push(link.connectedSince - startedAt)
    }
  }
  return times
}

function assertRejoined(times: number[], what: string): void {
  process.stderr.write(`${what}: connected ${times.join(', ')} ms after start\n`)
  for (const t of times)
    assert.ok(t < REJOIN_MS, `${what}: connected ${t} ms after the start (bound ${REJOIN_MS} ms)`)
}

// Users restart on the same data dir with `--listen .../tcp/0`: the persisted
// peer store then holds only the old ports, and libp2p raises no
// `peer:discovery` for peers it already knows.
describe('restarts on reused data dirs with new ports', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('one node restarted is back in the mesh within 5 s of its start, three times running', async () => {
    const tag = uniqueTag()
    let a = await startTestDaemon({ tag, config: { agents: [echo('a')] } })
    const b = await startTestDaemon({ tag, config: { agents: [echo('b')] } })
    daemons.push(a, b)
    await rejoinTimes([viaApi(a), viaApi(b)])
    for (let round = 0; round < 3; round++) {
      await a.stop()
      a = await startTestDaemon({ tag, dataDir: a.dataDir })
      daemons.push(a)
      assertRejoined(await rejoinTimes([viaApi(a), viaApi(b)]), `round ${round}`)
    }
  })

  it('a pair killed and restarted together finds each other within 5 s', async () => {
    const tag = uniqueTag()
    let a = await startTestDaemon({ tag, config: { agents: [echo('a')] } })
    let b = await startTestDaemon({ tag, config: { agents: [echo('b')] } })
    daemons.push(a, b)
    await rejoinTimes([viaApi(a), viaApi(b)])
    a.kill('SIGKILL')
    b.kill('SIGKILL')
    await Promise.all([a.exited(), b.exited()])
    ;[a, b] = await Promise.all([
      startTestDaemon({ tag, dataDir: a.dataDir }),
      startTestDaemon({ tag, dataDir: b.dataDir })
    ])
    daemons.push(a, b)
    assertRejoined(await rejoinTimes([viaApi(a), viaApi(b)]), 'pair')
  })
})

// `docker compose down && up`, or a new DHCP lease: same data dirs, same
// ports, new IP addresses for every host.
describe('hosts in network namespaces that come back on new IP addresses', {
  skip: netnsUnavailable(),
  timeout: 300_000
}, () => {
  let net: Network | undefined
  let nodes: NetnsNode[] = []
  after(async () => {
    await Promise.all(nodes.map(async (n) => await n.stop()))
    net?.down()
  })

  it('rejoin within 5 s of the daemons starting', async () => {
    net = createNetwork(2)
    nodes = await Promise.all([
      net.start(1, { config: { agents: [echo('h1')] } }),
      net.start(2, { config: { agents: [echo('h2')] } })
    ])
    await rejoinTimes(nodes.map(viaCli))
    const dataDirs = nodes.map((n) => n.dataDir)
    await Promise.all(nodes.map(async (n) => await n.stop()))
    const moved = [net.readdress(1, 111), net.readdress(2, 112)]
    nodes = await Promise.all([
      net.start(1, { dataDir: dataDirs[0] }),
      net.start(2, { dataDir: dataDirs[1] })
    ])
    assert.deepEqual(
      nodes.map((n) => n.address),
      moved
    )
    const byPeer = new Map(nodes.map((n) => [n.peerId, n.address]))
    assertRejoined(
      await rejoinTimes(nodes.map(viaCli), (n) => present(byPeer.get(n.peerId), `node ${n.peerId}`)),
      'new addresses'
    )
  })
})
