import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { originClaim, signRequest, verifyRequest } from '../src/request-signing.js'

describe('requests signed by their origin (§6.10)', () => {
  it('verifies for the origin, and for nothing else', async () => {
    const key = await generateKeyPair('Ed25519')
    const from = peerIdFromPrivateKey(key).toString()
    const task = { from, taskId: 't1', capability: 'echo', input: { b: 1, a: [2, 3] } }
    const osig = await signRequest(key, task)
    assert.match(osig, /^[A-Za-z0-9_-]{86}$/)
    assert.equal(await verifyRequest({ ...task, osig }), true)
    // Key order does not matter (canonical JSON); any other change does.
    assert.equal(await verifyRequest({ ...task, input: { a: [2, 3], b: 1 }, osig }), true)
    assert.equal(await verifyRequest({ ...task, input: { a: [2, 3], b: 2 }, osig }), false)
    assert.equal(await verifyRequest({ ...task, taskId: 't2', osig }), false)
    assert.equal(await verifyRequest({ ...task, capability: 'other', osig }), false)
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    assert.equal(await verifyRequest({ ...task, from: other, osig }), false)
    assert.equal(await verifyRequest({ ...task, from: 'not-a-peer-id', osig }), false)
  })

  it('records a request under its origin only when it is shown to be the origin’s', async () => {
    const key = await generateKeyPair('Ed25519')
    const from = peerIdFromPrivateKey(key).toString()
    const relay = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const task = { from, taskId: 't1', capability: 'echo', input: 'hi' }
    const osig = await signRequest(key, task)
    assert.deepEqual(await originClaim(task, from), { claim: from }, 'sent by the origin itself')
    assert.deepEqual(
      await originClaim({ ...task, osig: 'A'.repeat(86) }, from),
      { claim: from },
      'sent by the origin itself: the connection vouches for it, its osig is not checked'
    )
    assert.deepEqual(await originClaim({ ...task, osig }, relay), { claim: from }, 'relayed, signed')
    assert.deepEqual(await originClaim(task, relay), { claim: `${from}/via/${relay}` }, 'relayed, unsigned')
    assert.deepEqual(await originClaim({ ...task, input: 'other', osig }, relay), {
      refused: 'bad_origin_signature'
    })
  })
})
