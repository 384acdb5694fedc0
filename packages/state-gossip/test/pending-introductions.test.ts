import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PendingIntroductions } from '../src/pending-introductions.js'

describe('peers pending per gossip forwarder', () => {
  it('admits a forwarder’s share, then only as its pending peers are verified or forgotten', () => {
    const verified = new Set<string>()
    const pending = new PendingIntroductions((peerId) => !verified.has(peerId), 2)
    assert.equal(pending.admit('p1', 'rogue'), true)
    assert.equal(pending.admit('p2', 'rogue'), true)
    assert.equal(pending.admit('p3', 'rogue'), false, 'past the share')
    assert.equal(pending.admit('p1', 'rogue'), true, 'a peer already admitted stays admitted')
    assert.equal(pending.admit('h1', 'honest'), true, 'another forwarder has a share of its own')
    verified.add('p1')
    assert.equal(pending.admit('p3', 'rogue'), true, 'a verified peer frees its place')
    pending.release('p2')
    assert.equal(pending.pendingThrough('rogue'), 1)
    assert.equal(pending.admit('p4', 'rogue'), true, 'a forgotten peer frees its place')
    assert.equal(pending.admit('p5', 'rogue'), false)
  })

  it('lets the pending test see how long a peer has waited', () => {
    let waited = -1
    const pending = new PendingIntroductions((_peerId, sinceMs) => {
      waited = sinceMs
      return true
    }, 1)
    pending.admit('p1', 'f')
    pending.admit('p2', 'f')
    assert.ok(waited >= 0 && waited < 1000)
  })
})
