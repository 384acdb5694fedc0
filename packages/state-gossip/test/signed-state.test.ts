import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { NodeStateMessage } from '@mesh-node/protocol'
import { signOwnState, toWire, verifySignedState } from '../src/signed-state.js'

async function signedBy(peerIdOf: 'signer' | 'other') {
  const key = await generateKeyPair('Ed25519')
  const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const state: NodeStateMessage = {
    type: 'node_state',
    peerId: peerIdOf === 'signer' ? peerIdFromPrivateKey(key).toString() : other,
    incarnation: Date.now(),
    seq: 3,
    agents: [{ agent: 'v', capabilities: ['voter'], capacity: 1, running: 0 }]
  }
  const data = new TextEncoder().encode(JSON.stringify(state))
  return { state, wire: toWire(await signOwnState(state, data, key)) }
}

describe('signed node states (anti-entropy, PROTOCOL §7.2)', () => {
  it('verifies a state against the peer id it names', async () => {
    const { state, wire } = await signedBy('signer')
    const checked = await verifySignedState(wire)
    assert.ok(checked.ok)
    assert.deepEqual(checked.proven.state, state)
  })

  it('refuses a state signed by a key other than its peer id’s', async () => {
    const { wire } = await signedBy('other')
    assert.deepEqual(await verifySignedState(wire), { ok: false, why: 'bad_signature' })
  })

  it('refuses an altered state, a bad peer id and a state that is not one', async () => {
    const { state, wire } = await signedBy('signer')
    const altered = Buffer.from(JSON.stringify({ ...state, agents: [] })).toString('base64')
    assert.deepEqual(await verifySignedState({ ...wire, data: altered }), { ok: false, why: 'bad_signature' })
    const badId = Buffer.from(JSON.stringify({ ...state, peerId: '12D3KooWnotapeerid' })).toString('base64')
    assert.deepEqual(await verifySignedState({ ...wire, data: badId }), { ok: false, why: 'bad_peer_id' })
    const junk = Buffer.from('{"type":"node_state"}').toString('base64')
    assert.deepEqual(await verifySignedState({ ...wire, data: junk }), { ok: false, why: 'invalid_state' })
    const otherSeqno = { ...wire, seqno: '00000000000000ff' }
    assert.deepEqual(await verifySignedState(otherSeqno), { ok: false, why: 'bad_signature' })
  })
})
