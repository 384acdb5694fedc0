import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { signRequest, verifyRequest } from '../src/request-signing.js'

/**
 * patches/@libp2p__crypto@5.1.23.patch keeps Node key objects per key (private
 * keys by identity, at most 1024 public keys by value). A cache must never
 * change an answer: these check it across more keys than it holds.
 */
describe('Ed25519 key objects made once per key', () => {
  it('signs and verifies right for more public keys than the cache holds, and after eviction', async () => {
    const signers = await Promise.all(Array.from({ length: 1100 }, async () => generateKeyPair('Ed25519')))
    const signed = await Promise.all(
      signers.map(async (key, i) => {
        const task = {
          from: peerIdFromPrivateKey(key).toString(),
          taskId: `t${i}`,
          capability: 'echo',
          input: i
        }
        return { task, osig: await signRequest(key, task) }
      })
    )
    for (const { task, osig } of signed) assert.equal(await verifyRequest({ ...task, osig }), true)
    // The first keys were evicted by now: they verify again, and still refuse what they did not sign.
    for (const { task, osig } of signed.slice(0, 5)) {
      assert.equal(await verifyRequest({ ...task, osig }), true)
      assert.equal(await verifyRequest({ ...task, input: 'other', osig }), false)
    }
    // Another peer's signature never passes for this one, cached or not.
    const [a, b] = signed as [(typeof signed)[0], (typeof signed)[0]]
    assert.equal(await verifyRequest({ ...a.task, osig: b.osig }), false)
  })

  it('signs with the same private key many times, each signature its own message', async () => {
    const key = await generateKeyPair('Ed25519')
    const from = peerIdFromPrivateKey(key).toString()
    const tasks = Array.from({ length: 20 }, (_, i) => ({
      from,
      taskId: `s${i}`,
      capability: 'echo',
      input: i
    }))
    const sigs = await Promise.all(tasks.map(async (t) => signRequest(key, t)))
    assert.equal(new Set(sigs).size, 20)
    for (const [i, t] of tasks.entries())
      assert.equal(await verifyRequest({ ...t, osig: sigs[i] ?? '' }), true)
  })
})
