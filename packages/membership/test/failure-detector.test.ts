import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { until } from '@mesh-node/test-utils'
import { pino } from 'pino'
import { createFailureDetector, type FailureDetector, type MembershipEvent } from '../src/failure-detector.js'

const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

/**
 * A detector over a fake network: `up` holds the peers that answer pings,
 * `vouching` the helpers that answer a probe_request with `reachable: true`.
 */
function detector() {
  const up = new Set<string>()
  const vouching = new Set<string>()
  const pinged: string[] = []
  const events: MembershipEvent[] = []
  const fd = createFailureDetector(
    {
      libp2p: {
        services: {
          ping: {
            ping: async (peer: PeerId) => {
              pinged.push(peer.toString())
              if (!up.has(peer.toString())) throw new Error('unreachable')
              return 1
            }
          }
        },
        hangUp: async () => {},
        addEventListener: () => {},
        removeEventListener: () => {}
      } as never,
      rpc: {
        request: async (_type: unknown, helper: PeerId) => ({ reachable: vouching.has(helper.toString()) }),
        closeSession: () => {}
      } as never,
      log: pino({ level: 'silent' })
    },
    { suspectAfterMs: 400, probeTimeoutMs: 50, suspicionTimeoutMs: 200, intervalMs: 20 }
  )
  fd.onEvent((e) => events.push(e))
  fd.start()
  return { fd, up, vouching, pinged, events }
}

describe('failure detector: what counts as a sign of life', () => {
  let running: FailureDetector | undefined
  afterEach(() => running?.stop())

  it('holds a peer first heard of by gossip suspect and unverified, and finds it dead when no probe answers', async () => {
    const w = detector()
    running = w.fd
    const ghost = (await newPeer()).toString()
    w.fd.heard(ghost, 'gossip')
    const first = w.fd.members().find((m) => m.peerId === ghost)
    assert.equal(first?.state, 'suspect')
    assert.equal(first?.unverified, true)
    // More gossip (a replay, say) refutes nothing.
    w.fd.heard(ghost, 'gossip')
    assert.equal(w.fd.state(ghost), 'suspect')
    await until(() => w.fd.state(ghost) === 'dead', 'the unreachable gossiped peer declared dead')
    assert.ok(w.pinged.includes(ghost), 'it was probed')
    assert.deepEqual(
      w.events.filter((e) => e.peerId === ghost).map((e) => e.type),
      ['peer_dead'],
      'no suspect or alive event for a peer never verified'
    )
  })

  it('takes a gossiped peer as alive, silently, once a ping answers', async () => {
    const w = detector()
    running = w.fd
    const peer = (await newPeer()).toString()
    w.up.add(peer)
    w.fd.heard(peer, 'gossip')
    await until(() => w.fd.state(peer) === 'alive', 'the reachable gossiped peer verified')
    assert.equal(w.fd.members().find((m) => m.peerId === peer)?.unverified, undefined)
    assert.equal(w.events.filter((e) => e.peerId === peer).length, 0)
  })

  it('lets gossip keep an alive peer alive, but never bring a dead one back without its pong', async () => {
    const w = detector()
    running = w.fd
    const peer = (await newPeer()).toString()
    w.fd.heard(peer)
    assert.equal(w.fd.state(peer), 'alive')
    await until(() => w.fd.state(peer) === 'dead', 'the silent peer declared dead')
    const pings = w.pinged.length
    w.fd.heard(peer, 'gossip')
    w.fd.heard(peer, 'gossip')
    await until(() => w.pinged.length > pings, 'gossip of a dead peer has it pinged')
    assert.equal(w.fd.state(peer), 'dead', 'gossip alone does not revive it')
    assert.equal(w.pinged.length, pings + 1, 'one ping per suspicion period, however much gossip')
    w.up.add(peer)
    w.fd.heard(peer)
    assert.equal(w.fd.state(peer), 'alive')
    assert.equal(w.events.at(-1)?.reason, 'rejoined')
  })

  it('takes a helper’s word for a gossiped peer it cannot reach itself', async () => {
    const w = detector()
    running = w.fd
    const [helper, far] = [(await newPeer()).toString(), (await newPeer()).toString()]
    w.fd.heard(helper)
    w.up.add(helper)
    w.vouching.add(helper)
    w.fd.heard(far, 'gossip')
    await until(() => w.fd.state(far) === 'alive', 'the far peer vouched for')
    assert.equal(w.fd.localHealth(), 0, 'no blame on itself for a peer it never reached')
  })
})
