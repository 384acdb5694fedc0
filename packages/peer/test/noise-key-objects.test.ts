import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { createMeshPeer, type MeshPeer } from '../src/index.js'

const PROTOCOL = '/test/echo-large/1.0.0'

/** Reads `n` bytes from a stream's one iterator (left open for the next read). */
async function readBytes(reader: AsyncIterator<{ subarray(): Uint8Array }>, n: number): Promise<Buffer> {
  const parts: Buffer[] = []
  let have = 0
  while (have < n) {
    const next = await reader.next()
    if (next.done === true) throw new Error(`the stream ended after ${have} of ${n} bytes`)
    const b = Buffer.from(next.value.subarray())
    parts.push(b)
    have += b.length
  }
  return Buffer.concat(parts)
}

/**
 * patches/@chainsafe__libp2p-noise@17.0.0.patch keeps one node:crypto
 * KeyObject per session key for messages of 1200 bytes and more. A cache
 * must never change a byte: large random payloads echoed over several
 * connections at once (each with its own keys, both directions) come back
 * whole.
 */
describe('noise with a KeyObject per session key', { timeout: 60_000 }, () => {
  let server: MeshPeer
  let clients: MeshPeer[] = []

  before(async () => {
    const make = async () =>
      await createMeshPeer({
        privateKey: await generateKeyPair('Ed25519'),
        listen: ['/ip4/127.0.0.1/tcp/0'],
        mdns: { enabled: false }
      })
    server = await make()
    clients = await Promise.all([make(), make(), make()])
    await server.libp2p.handle(PROTOCOL, async (stream) => {
      for await (const chunk of stream) stream.send(chunk)
    })
  })

  after(async () => {
    await Promise.all([server, ...clients].map(async (p) => await p.stop()))
  })

  it('echoes large random payloads byte for byte over several sessions at once', async () => {
    await Promise.all(
      clients.map(async (client) => {
        const stream: Stream = await client.libp2p.dialProtocol(server.libp2p.getMultiaddrs(), PROTOCOL)
        const reader = stream[Symbol.asyncIterator]()
        for (const size of [1200, 4096, 65_000, 1500, 200_000]) {
          const payload = randomBytes(size)
          stream.send(payload)
          assert.ok((await readBytes(reader, size)).equals(payload), `${size} bytes came back whole`)
        }
        await stream.close()
      })
    )
  })
})
