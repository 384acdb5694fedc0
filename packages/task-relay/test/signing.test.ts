import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { RouteResult } from '../src/route-result.js'
import { AttemptTokens, believable, canonicalJson, disbelief, newToken, signResult } from '../src/signing.js'

describe('results bound to attempts', () => {
  it('writes canonical JSON whatever the key order', () => {
    assert.equal(
      canonicalJson({ b: [1, { y: 2, x: null }], a: 'é', u: undefined }),
      '{"a":"é","b":[1,{"x":null,"y":2}]}'
    )
    assert.equal(canonicalJson({ z: 1, a: 2 }), canonicalJson(JSON.parse('{"a":2,"z":1}')))
  })

  it("believes a signed answer only for its attempt's token, untouched, from the executor it names", async () => {
    const key = await generateKeyPair('Ed25519')
    const executor = peerIdFromPrivateKey(key).toString()
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const token = newToken()
    assert.match(token, /^[A-Za-z0-9_-]{22}$/)
    const answer: RouteResult = {
      taskId: 't',
      status: 'completed',
      result: { n: 1, text: 'ok' },
      executor,
      agent: 'w',
      path: ['o', 'f', executor]
    }
    const sig = await signResult(key, token, answer)
    // Through a forwarder: re-serialised, spans added, the signature passed on.
    const relayed = { ...JSON.parse(JSON.stringify({ ...answer, sig })), spans: [] } as RouteResult
    assert.equal(await believable(relayed, [newToken(), token], 'f'), true)
    assert.equal(await believable(relayed, [newToken()], 'f'), false, 'another attempt')
    assert.equal(
      await believable({ ...relayed, result: { n: 2, text: 'ok' } }, [token], 'f'),
      false,
      'changed'
    )
    assert.equal(await believable({ ...relayed, executor: other }, [token], 'f'), false, 'another executor')
    assert.equal(await believable({ ...relayed, sig: 'A'.repeat(86) }, [token], 'f'), false, 'bad signature')
    // The reason each is counted under (mesh_results_rejected_total).
    assert.equal(await disbelief(relayed, [newToken()], 'f'), 'forged_result')
    assert.equal(await disbelief(relayed, [], 'f'), 'unknown_token')
    assert.equal(await disbelief({ ...relayed, sig: undefined }, [token], 'f'), 'unsigned_foreign')
    assert.equal(await disbelief(relayed, [token], 'f'), undefined)
    // Handed over by the executor it names: its own session vouches for it, the signature is not checked.
    assert.equal(await disbelief({ ...relayed, sig: 'A'.repeat(86) }, [newToken()], executor), undefined)
    assert.equal(await disbelief({ ...relayed, sig: 'A'.repeat(86) }, [newToken()], 'f'), 'forged_result')
  })

  it('believes an unsigned answer only from the executor it names', async () => {
    const unsigned: RouteResult = {
      taskId: 't',
      status: 'completed',
      result: 1,
      executor: 'e',
      path: ['o', 'e']
    }
    assert.equal(await believable(unsigned, [], 'e'), true)
    assert.equal(await believable(unsigned, [], 'f'), false)
    assert.equal(await believable({ taskId: 't', status: 'busy', path: [] }, [], 'f'), true)
  })

  it('keeps the tokens of attempts sent to peers on the path, bounded per task', () => {
    const tokens = new AttemptTokens()
    for (let i = 0; i < 20; i++) tokens.add('t', `p${i}`, `k${i}`)
    assert.deepEqual(tokens.forPath('t', ['o', 'p19', 'x']), ['k19'])
    assert.deepEqual(tokens.forPath('t', ['o', 'p0']), [], 'only the last 16 attempts are kept')
    assert.deepEqual(tokens.forPath('u', ['o', 'p19']), [])
  })
})
