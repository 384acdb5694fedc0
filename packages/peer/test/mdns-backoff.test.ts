import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { until } from '@mesh-node/test-utils'
import multicastDNS from 'multicast-dns'
import { createMeshPeer } from '../src/index.js'

/** Gaps between the PTR queries for `serviceTag` heard after `from` (ms). */
function gapsAfter(times: number[], from: number): number[] {
  const after = times.filter((t) => t >= from)
  return after.slice(1).map((t, i) => t - (after[i] as number))
}

describe('mDNS querying (the @libp2p/mdns patch)', () => {
  it('backs off while the LAN is quiet, and queries fast again once it hears a new answer', async () => {
    const serviceTag = `_mesh-backoff-${randomBytes(4).toString('hex')}._udp.local`
    // A bystander on the same multicast group: it hears the node's queries, and later answers as a new peer.
    const bystander = multicastDNS()
    const queries: number[] = []
    bystander.on('query', (q) => {
      if (q.questions.some((x) => x.name === serviceTag && x.type === 'PTR')) queries.push(performance.now())
    })
    const node = await createMeshPeer({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: { enabled: true, serviceTag, intervalMs: 100, maxIntervalMs: 800 }
    })
    try {
      // Alone, it queries at 0, 0.1, 0.3, 0.7, 1.5, 2.3 s...: a fixed 100 ms schedule would be 25 in 2.5 s.
      await until(() => queries.length >= 6, 'six queries of the node', 10_000)
      const quiet = gapsAfter(queries, 0)
      assert.ok(
        quiet.at(-1) !== undefined && (quiet.at(-1) as number) >= 700,
        `the waits grew to the 800 ms bound: ${quiet.map(Math.round).join(', ')}`
      )
      // News: a peer it has not heard of answers.
      const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
      const answeredAt = performance.now()
      bystander.respond({
        answers: [{ name: serviceTag, type: 'PTR', class: 'IN', ttl: 120, data: `stranger.${serviceTag}` }],
        additionals: [
          {
            name: `stranger.${serviceTag}`,
            type: 'TXT',
            class: 'IN',
            ttl: 120,
            data: [`dnsaddr=/ip4/127.0.0.1/tcp/9/p2p/${stranger}`]
          }
        ]
      })
      await until(() => gapsAfter(queries, answeredAt).length >= 2, 'two more queries after the news', 10_000)
      const busy = gapsAfter(queries, answeredAt)
      assert.ok(
        (busy[0] as number) < 450,
        `back to the 100 ms interval after the news: ${busy.map(Math.round).join(', ')}`
      )
    } finally {
      await node.stop()
      bystander.destroy()
    }
  })
})
