import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerInfo } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createMeshPeer } from '../src/index.js'
import { RepeatFilter } from '../src/repeat-filter.js'

/** A discovery service that announces what the test tells it to. */
class FakeDiscovery extends EventTarget {
  announce(info: PeerInfo): void {
    this.dispatchEvent(new CustomEvent('peer', { detail: info }))
  }
}

async function peerInfo(...addrs: string[]): Promise<PeerInfo> {
  return {
    id: peerIdFromPrivateKey(await generateKeyPair('Ed25519')),
    multiaddrs: addrs.map((a) => multiaddr(a))
  }
}

describe('RepeatFilter', () => {
  it('passes news (a new peer, new addresses) and drops identical repeats until the refresh', async () => {
    const inner = new FakeDiscovery()
    const filter = new RepeatFilter(inner as never, { refreshMs: 200 })
    const seen: string[] = []
    filter.addEventListener('peer', (evt) => {
      const { id, multiaddrs } = (evt as CustomEvent<PeerInfo>).detail
      seen.push(`${id.toString().slice(-4)} ${multiaddrs.join(',')}`)
    })
    await filter.start()
    const a = await peerInfo('/ip4/127.0.0.1/tcp/1000', '/ip4/10.0.0.1/tcp/1000')
    const b = await peerInfo('/ip4/127.0.0.1/tcp/2000')
    inner.announce(a)
    for (let i = 0; i < 50; i++) inner.announce(a)
    // Same addresses in another order are the same news.
    inner.announce({ id: a.id, multiaddrs: [...a.multiaddrs].reverse() })
    inner.announce(b)
    assert.equal(seen.length, 2, seen.join('\n'))
    // A restart on a new port is news at once.
    inner.announce({ id: a.id, multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/1001')] })
    assert.equal(seen.length, 3)
    await new Promise((r) => setTimeout(r, 250))
    inner.announce(b)
    assert.equal(seen.length, 4, 'an unchanged peer passes again after refreshMs')
    await filter.stop()
    inner.announce(await peerInfo('/ip4/127.0.0.1/tcp/3000'))
    assert.equal(seen.length, 4, 'nothing passes once stopped')
  })

  it('still lets two real peers find each other by mDNS', { timeout: 30_000 }, async () => {
    const serviceTag = `_repeat-${process.pid}-${Date.now()}._udp.local`
    const peers = await Promise.all(
      [0, 1].map(
        async () =>
          await createMeshPeer({
            privateKey: await generateKeyPair('Ed25519'),
            listen: ['/ip4/127.0.0.1/tcp/0'],
            mdns: { enabled: true, serviceTag, intervalMs: 500 }
          })
      )
    )
    try {
      const deadline = Date.now() + 20_000
      while (peers.some((p) => p.libp2p.getPeers().length < 1)) {
        if (Date.now() > deadline) throw new Error('the two peers never connected over mDNS')
        await new Promise((r) => setTimeout(r, 50))
      }
    } finally {
      await Promise.all(peers.map(async (p) => await p.stop()))
    }
  })
})
