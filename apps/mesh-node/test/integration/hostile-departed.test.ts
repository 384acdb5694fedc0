import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

/** Throw-away identities: enough to show the tables grow, few enough for the suite's time budget. */
const N = 60
/** The bound under test, short here (the default is 10 min). */
const PURGE_MS = 2000

/** A stock libp2p node on loopback: a fresh identity that can connect, listen and answer pings. */
async function throwAway(): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() }
  })
}

/**
 * 60 identities connect to a daemon and leave: each left a member entry and
 * a persisted peer-store record (dialled again and again by the rejoiner)
 * forever. With `mesh.departedPurgeMs` they go once dead that long; the
 * honest peer stays.
 */
describe('departed identities are purged after a bound', { timeout: 120_000 }, () => {
  let a: TestDaemon
  let b: TestDaemon
  let identities: Libp2p[] = []

  before(async () => {
    const tag = uniqueTag()
    const mesh = { departedPurgeMs: PURGE_MS, suspicionTimeoutMs: 300 }
    ;[a, b] = await Promise.all([
      startTestDaemon({ tag, config: { mesh } }),
      startTestDaemon({ tag, config: { mesh } })
    ])
    await waitFor(async () => (await a.client.status()).members.some((m) => m.peerId === b.peerId), {
      timeoutMs: 30_000,
      message: 'a to know b'
    })
  })

  after(async () => {
    // Stopping an identity twice is harmless; one that failed to start must not hide the rest.
    await Promise.allSettled(identities.map(async (n) => await n.stop()))
    await stopAll([a, b])
  })

  it(`${N} identities that connect and leave go from members and the peer store; the honest peer stays`, async () => {
    const honest = await a.client.status()
    const honestStored = honest.storedPeers ?? 0
    const addr = multiaddr((await a.client.id()).addresses[0] as string)
    identities = await Promise.all(Array.from({ length: N }, throwAway))
    await Promise.all(identities.map(async (n) => await n.dial(addr)))
    const ids = new Set(identities.map((n) => n.peerId.toString()))
    const joined = await waitFor(
      async () => {
        const s = await a.client.status()
        const known = s.members.filter((m) => ids.has(m.peerId)).length
        return known === N && (s.storedPeers ?? 0) >= honestStored + N ? s : undefined
      },
      { timeoutMs: 30_000, message: `a to hold all ${N} identities as members and in its peer store` }
    )
    const left = Date.now()
    await Promise.all(identities.map(async (n) => await n.stop()))
    const back = await waitFor(
      async () => {
        const s = await a.client.status()
        return s.members.some((m) => ids.has(m.peerId)) || (s.storedPeers ?? 0) > honestStored ? undefined : s
      },
      { timeoutMs: 30_000, message: 'the departed identities to be purged' }
    )
    const seconds = ((Date.now() - left) / 1000).toFixed(1)
    console.log(
      `departed identities: ${N} joined (members ${joined.members.length}, stored peers ${joined.storedPeers}); ` +
        `${seconds} s after they left: members ${back.members.length}, stored peers ${back.storedPeers} (bound ${PURGE_MS} ms)`
    )
    // The honest set, through the CLI: b alone, alive.
    const cli = await a.cli(['status', '--json'])
    assert.equal(cli.code, 0, cli.stderr)
    const status = JSON.parse(cli.stdout) as { members: Array<{ peerId: string; state: string }> }
    assert.deepEqual(
      status.members.map((m) => [m.peerId, m.state]),
      [[b.peerId, 'alive']]
    )
  })
})
