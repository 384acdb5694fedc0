import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { OUTBOX_DEFAULTS, OutboxLedger } from '../src/outbox-bounds.js'

describe('outbox bounds', () => {
  const bounds = { ...OUTBOX_DEFAULTS, maxEntries: 3, maxBytes: 1000, maxBytesPerOrigin: 500, maxAgeMs: 1000 }

  it('gives up the oldest entry past the count bound', () => {
    const l = new OutboxLedger(bounds)
    assert.deepEqual(l.admit('a', 'o1', 10, 0), [])
    assert.deepEqual(l.admit('b', 'o2', 10, 1), [])
    assert.deepEqual(l.admit('c', 'o3', 10, 2), [])
    assert.deepEqual(l.admit('d', 'o4', 10, 3), ['a'])
    assert.deepEqual(l.stats(), { entries: 3, bytes: 30 })
  })

  it("gives up the origin's own oldest past its byte bound, and the oldest overall past the total", () => {
    const l = new OutboxLedger(bounds)
    l.admit('x1', 'other', 400, 0)
    l.admit('r1', 'rogue', 300, 1)
    assert.deepEqual(l.admit('r2', 'rogue', 300, 2), ['r1'], 'the flooding origin pays first')
    assert.deepEqual(l.admit('y1', 'third', 400, 3), ['x1'], 'over 1000 bytes in all: the oldest goes')
    assert.deepEqual(l.admit('y2', 'fourth', 100, 4), [])
    assert.deepEqual(l.stats(), { entries: 3, bytes: 800 })
  })

  it('lists entries held past the age bound, and forgets removed ones', () => {
    const l = new OutboxLedger(bounds)
    l.admit('old', 'o', 1, 0)
    l.admit('new', 'o', 1, 900)
    assert.deepEqual(l.expired(1500), ['old'])
    l.remove('old')
    assert.deepEqual(l.expired(5000), ['new'])
    assert.equal(l.bytesOf('new'), 1)
  })
})
