import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createRegistry, type RegistryEvent } from '../src/index.js'

const runtime = (
  agents: Array<{ name: string; capabilities: string[]; capacity: number; running: number }>
) => ({
  list: () => agents.map((a) => ({ ...a, load: a.running / a.capacity, handlerKind: 'builtin' as const }))
})

describe('registry', () => {
  it('finds local and remote agents by capability, and reports joins and leaves', () => {
    let now = 1000
    const events: RegistryEvent[] = []
    const reg = createRegistry(
      {
        runtime: runtime([{ name: 'me', capabilities: ['echo'], capacity: 2, running: 1 }]),
        selfPeerId: 'self',
        now: () => now
      },
      { ttlMs: 500 }
    )
    reg.onEvent((e) => events.push(e))
    reg.upsertPeer('p1', [{ agent: 'a', capabilities: ['echo', 'x'], capacity: 4, running: 0 }], 'gossip')
    assert.deepEqual(
      reg.find('echo').map((a) => [a.peerId, a.agent, a.load, a.local]),
      [
        ['self', 'me', 0.5, true],
        ['p1', 'a', 0, false]
      ]
    )
    assert.deepEqual(
      reg.find('x').map((a) => a.agent),
      ['a']
    )
    assert.deepEqual(reg.find('nothing'), [])
    reg.upsertPeer('p1', [{ agent: 'b', capabilities: ['y'], capacity: 1, running: 0 }], 'gossip')
    assert.deepEqual(reg.find('x'), [], 'the capability index follows the new announcement')
    assert.deepEqual(
      events
        .filter((e) => e.type !== 'peer_updated')
        .map((e) => `${e.type}:${'agent' in e ? e.agent.agent : ''}`),
      ['agent_joined:a', 'agent_joined:b', 'agent_left:a']
    )
    now += 501
    assert.equal(reg.expire(), 1)
    assert.deepEqual(reg.find('y'), [])
  })

  it('leaves unavailable peers out and digests membership, not load', () => {
    let unavailable = false
    const a = createRegistry({ runtime: runtime([]), selfPeerId: 'a', isUnavailable: () => unavailable })
    const b = createRegistry({ runtime: runtime([]), selfPeerId: 'b' })
    a.upsertPeer('p', [{ agent: 'x', capabilities: ['c'], capacity: 2, running: 0 }], 'gossip')
    b.upsertPeer('p', [{ agent: 'x', capabilities: ['c'], capacity: 2, running: 2 }], 'sync')
    assert.equal(a.digest(), b.digest())
    unavailable = true
    assert.deepEqual(a.find('c'), [])
    assert.equal(a.isAvailable('p'), false)
    assert.notEqual(a.digest(), b.digest())
  })
})

describe('registry: capability schemas from peers', () => {
  it('keeps a peer agent whose schemas are over the bounds, without them', () => {
    const reg = createRegistry({ runtime: runtime([]), selfPeerId: 'self' }, {})
    const small = { type: 'object', properties: { text: { type: 'string' } } }
    const huge = { description: 'x'.repeat(17_000) }
    reg.upsertPeer(
      'p1',
      [
        {
          agent: 'a',
          capabilities: ['ok', 'big'],
          capacity: 1,
          running: 0,
          schemas: { ok: { inputSchema: small }, big: { inputSchema: huge }, other: { inputSchema: small } }
        }
      ],
      'gossip'
    )
    const [view] = reg.find('ok')
    assert.deepEqual(view?.schemas, { ok: { inputSchema: small } })
    assert.equal(reg.find('big').length, 1)
  })

  it("drops schemas past a node's budget of 128 KiB, keeping the agents", () => {
    const reg = createRegistry({ runtime: runtime([]), selfPeerId: 'self' }, {})
    const schema = { description: 'y'.repeat(15_000) }
    const caps = Array.from({ length: 12 }, (_, i) => `c${i}`)
    reg.upsertPeer(
      'p1',
      [
        {
          agent: 'a',
          capabilities: caps,
          capacity: 1,
          running: 0,
          schemas: Object.fromEntries(caps.map((c) => [c, { inputSchema: schema }]))
        }
      ],
      'gossip'
    )
    const kept = Object.keys(reg.find('c0')[0]?.schemas ?? {})
    assert.equal(kept.length, 8)
    assert.equal(reg.find('c11').length, 1)
  })
})
