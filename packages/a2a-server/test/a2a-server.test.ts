import assert from 'node:assert/strict'
import { mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { isLoopbackHost } from '@mesh-node/config'
import { signingKey } from '../src/card.js'
import { bearerMatches, buildCard, loadOrCreateToken, pickSkill, signCard, verifyCard } from '../src/index.js'

describe('a2a-server pieces', () => {
  it('picks the skill from metadata, or the only one, and names the choices otherwise', () => {
    const skills = [{ capability: 'a' }, { capability: 'b' }]
    assert.equal(pickSkill({ skill: 'b' }, skills), 'b')
    assert.equal(pickSkill(undefined, [{ capability: 'only' }]), 'only')
    assert.throws(() => pickSkill(undefined, skills), /name the skill.*skills: a, b/)
    assert.throws(
      () => pickSkill({ skill: 'c' }, skills),
      /no agent in the mesh offers skill "c" now; skills: a, b/
    )
  })

  it('checks the bearer token exactly', () => {
    assert.equal(bearerMatches('Bearer abc', 'abc'), true)
    assert.equal(bearerMatches('bearer abc', 'abc'), true)
    assert.equal(bearerMatches('Bearer abd', 'abc'), false)
    assert.equal(bearerMatches('Bearer abcd', 'abc'), false)
    assert.equal(bearerMatches('Basic abc', 'abc'), false)
    assert.equal(bearerMatches(undefined, 'abc'), false)
  })

  it('makes the token file once, mode 0600, and replaces a too short one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'a2a-token-'))
    const file = join(dir, 'a2a.token')
    const token = loadOrCreateToken(file)
    assert.ok(token.length >= 32)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.equal(loadOrCreateToken(file), token)
    writeFileSync(file, 'short\n', { mode: 0o644 })
    assert.notEqual(loadOrCreateToken(file), 'short')
    assert.equal(statSync(file).mode & 0o777, 0o600)
  })

  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', '::1', 'localhost']) assert.equal(isLoopbackHost(h), true, h)
    for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.com']) assert.equal(isLoopbackHost(h), false, h)
  })

  it('signs the card with the peer key; it verifies against the peer id and nothing else', async () => {
    const key = await generateKeyPair('Ed25519')
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const peerId = peerIdFromPrivateKey(key).toString()
    const card = buildCard({ name: 'n', baseUrl: 'http://127.0.0.1:1', version: '1', peerId }, [
      { capability: 'x' }
    ])
    const signed = await signCard(card, signingKey(key.raw), peerId)
    assert.equal(signed.signatures.length, 1)
    await verifyCard(signed, peerId)
    await verifyCard(signed)
    await assert.rejects(verifyCard(signed, other))
    await assert.rejects(verifyCard({ ...signed, skills: [] }, peerId))
  })
})
