import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Tombstones } from '../src/tombstones.js'

describe('tombstones', () => {
  it('refuse a state no later than the last one held, and take a later one or a restart', () => {
    const t = new Tombstones(2)
    t.bury('p', { incarnation: 10, seq: 5 })
    assert.equal(t.buries({ peerId: 'p', incarnation: 10, seq: 5 }), true)
    assert.equal(t.buries({ peerId: 'p', incarnation: 10, seq: 4 }), true)
    assert.equal(t.buries({ peerId: 'p', incarnation: 10, seq: 6 }), false)
    assert.equal(t.buries({ peerId: 'p', incarnation: 11, seq: 1 }), false)
    t.bury('q', { incarnation: 1, seq: 1 })
    t.bury('r', { incarnation: 1, seq: 1 })
    assert.equal(t.size, 2, 'bounded: the oldest went')
    assert.equal(t.buries({ peerId: 'p', incarnation: 10, seq: 5 }), false)
  })
})
