import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { CapabilityRegistry } from '@mesh-node/membership'
import type { Discovery } from '@mesh-node/routing'
import { RemoteProtocolError } from '@mesh-node/rpc'
import {
  ATTEMPT_TIMEOUT_FLOOR_MS,
  type CancelTable,
  SilentPeers,
  startTiming,
  traceFor
} from '@mesh-node/task-relay'
import pino from 'pino'
import { TaskEvents } from '../src/events.js'
import { Forwarder } from '../src/forwarder.js'
import type { TaskState } from '../src/task-state.js'

describe('attempt timeouts and silence', () => {
  it('gives an attempt a share of the time left, the last candidate all of it, and less further in', () => {
    const s = new SilentPeers()
    assert.equal(s.attemptTimeout('p', 'echo', 15_000, false), 5_000)
    assert.equal(s.attemptTimeout('p', 'echo', 15_000, true), 15_000)
    assert.equal(s.attemptTimeout('p', 'echo', 3_000, false), ATTEMPT_TIMEOUT_FLOOR_MS)
    assert.equal(s.attemptTimeout('p', 'echo', 1_000, false), 1_000, 'never past the time left')
    assert.ok(s.attemptTimeout('p', 'echo', 15_000, false, 1) < 5_000, 'a forwarder gives up first')
    s.answered('p', 'echo', 4_000)
    assert.equal(s.attemptTimeout('p', 'echo', 30_000, false), 16_000, 'slow answers seen: more time')
  })

  it('penalises a silent peer until it answers again', () => {
    const s = new SilentPeers()
    s.silent('p')
    assert.equal(s.isPenalised('p'), true)
    assert.equal(s.isPenalised('q'), false)
    s.answered('p', 'echo', 5)
    assert.equal(s.isPenalised('p'), false)
  })

  it('takes too_many_requests from a peer as busy, so the task fails over', async () => {
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const rpc = {
      request: async () => {
        throw new RemoteProtocolError('over budget', 'too_many_requests')
      }
    }
    const f = new Forwarder(
      {
        rpc: rpc as never,
        registry: { isAvailable: () => true, find: () => [] } as unknown as CapabilityRegistry,
        discovery: {} as Discovery,
        cancels: { passOn: () => () => {} } as unknown as CancelTable,
        events: new TaskEvents(),
        selfPeerId: 'self',
        log: pino({ level: 'silent' }),
        silence: new SilentPeers()
      },
      { maxHops: 3, transportRetries: 2 }
    )
    const state: TaskState = {
      taskId: 't',
      capability: 'echo',
      input: 1,
      from: 'self',
      deadline: Date.now() + 5_000,
      hops: 0,
      path: ['self'],
      trace: traceFor('t', undefined),
      timing: startTiming()
    }
    assert.deepEqual(await f.tryPeer(peer, state), { kind: 'busy' })
  })
})
