import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { pino } from 'pino'
import { DepartedPurge } from '../src/departed.js'
import type { Member } from '../src/failure-detector.js'

const ids = async (n: number): Promise<PeerId[]> =>
  await Promise.all(
    Array.from({ length: n }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')))
  )

/** A member table, a peer store and a clock, all in memory: the purge's whole world. */
function world(peers: PeerId[], init: ConstructorParameters<typeof DepartedPurge>[1]) {
  let now = 1_000_000
  const members = new Map<string, Member>()
  const store = new Map(peers.map((p) => [p.toString(), p]))
  const forgotten: string[] = []
  const purge = new DepartedPurge(
    {
      failureDetector: {
        members: () => [...members.values()],
        state: (p) => members.get(p)?.state,
        forget: (p) => members.delete(p)
      },
      registry: { removePeer: () => {} },
      gossip: { forget: (p) => forgotten.push(p) },
      peerStore: {
        all: async () => [...store.values()].map((id) => ({ id })) as never,
        delete: async (id) => {
          store.delete(id.toString())
        }
      },
      isConnected: () => false,
      selfPeerId: 'self',
      log: pino({ level: 'silent' }),
      now: () => now
    },
    init
  )
  return {
    purge,
    members,
    store,
    forgotten,
    advance: (ms: number) => {
      now += ms
    },
    dead: (p: PeerId, ago = 0) =>
      members.set(p.toString(), { peerId: p.toString(), state: 'dead', lastHeardAt: now, deadAt: now - ago }),
    alive: (p: PeerId) =>
      members.set(p.toString(), { peerId: p.toString(), state: 'alive', lastHeardAt: now })
  }
}

describe('departed identities', () => {
  it('purges a dead member and its stored peer after the bound, never a bootstrap peer or a live one', async () => {
    const [gone, boot, live] = await ids(3)
    const w = world([gone, boot, live] as PeerId[], { purgeAfterMs: 10_000, keep: [String(boot)] })
    w.dead(gone as PeerId)
    w.dead(boot as PeerId)
    w.alive(live as PeerId)
    assert.equal(await w.purge.sweep(), 0, 'nothing before the bound')
    w.advance(10_000)
    await w.purge.sweep()
    assert.deepEqual([...w.members.keys()].sort(), [String(boot), String(live)].sort())
    assert.deepEqual([...w.store.keys()].sort(), [String(boot), String(live)].sort())
    assert.deepEqual(w.forgotten, [String(gone)], 'its gossip version is buried, not just dropped')
  })

  it('purges a stored peer with no member and no connection once unseen for the bound (a restart’s leftovers)', async () => {
    const [old] = await ids(1)
    const w = world([old] as PeerId[], { purgeAfterMs: 5000 })
    await w.purge.sweep()
    assert.equal(w.store.size, 1, 'first seen absent now')
    w.advance(5000)
    await w.purge.sweep()
    assert.equal(w.store.size, 0)
  })

  it('past maxMembers purges the longest dead first, whatever the bound', async () => {
    const peers = await ids(20)
    const w = world(peers, { purgeAfterMs: 600_000, maxMembers: 16 })
    peers.forEach((p, i) => {
      w.dead(p, 1000 * (20 - i))
    })
    await w.purge.sweep()
    assert.equal(w.members.size, 16)
    assert.deepEqual(
      [...w.members.keys()].sort(),
      peers.slice(4).map(String).sort(),
      'the four dead longest went'
    )
  })
})
