import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import { BloomFilter } from '../src/bloom-filter.js'

describe('BloomFilter', () => {
  it('never forgets what it was given, and rarely claims what it was not', () => {
    const bloom = new BloomFilter(20)
    const added = Array.from({ length: 50_000 }, () => randomUUID())
    for (const id of added) bloom.add(id)
    for (const id of added) assert.equal(bloom.mightContain(id), true)
    let falsePositives = 0
    for (let i = 0; i < 50_000; i++) if (bloom.mightContain(randomUUID())) falsePositives++
    assert.ok(falsePositives < 1000, `${falsePositives} false positives in 50000`)
  })
})
