import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseCount } from '../src/counts.js'
import { formatDuration, parseDuration } from '../src/duration.js'

describe('durations', () => {
  it('reads 500ms, 5s, 1.5s, 2m, 1h and plain milliseconds', () => {
    const max = 10 * 3_600_000
    assert.equal(parseDuration('500ms', '--t', { max }), 500)
    assert.equal(parseDuration('5s', '--t', { max }), 5000)
    assert.equal(parseDuration('1.5s', '--t', { max }), 1500)
    assert.equal(parseDuration('2m', '--t', { max }), 120_000)
    assert.equal(parseDuration('1h', '--t', { max }), 3_600_000)
    assert.equal(parseDuration('30000', '--t', { max }), 30_000)
    assert.equal(parseDuration(undefined, '--t', { max }), undefined)
  })

  it('names the flag, the bounds and the forms on a bad or out-of-range value', () => {
    for (const bad of ['5x', '', '-1s', 's', '1e3', '0']) {
      assert.throws(
        () => parseDuration(bad, '--timeout', { max: 600_000 }),
        /--timeout must be a duration from 1ms to 10m, e\.g\. 500ms, 5s or 2m \(plain numbers are milliseconds\)/
      )
    }
    assert.throws(() => parseDuration('11m', '--timeout', { max: 600_000 }), /got "11m"/)
    assert.throws(() => parseDuration('50ms', '--phase', { min: 100, max: 1000 }), /from 100ms to 1s/)
  })

  it('writes a duration the shortest exact way', () => {
    assert.deepEqual([600_000, 60_000, 1000, 1500, 3_600_000].map(formatDuration), [
      '10m',
      '1m',
      '1s',
      '1500ms',
      '1h'
    ])
  })
})

describe('counts', () => {
  it('reads whole numbers within bounds, and names the flag, the bounds and the value otherwise', () => {
    assert.equal(parseCount('3', '--peers', { min: 0, max: 10 }), 3)
    assert.equal(parseCount(undefined, '--peers', { min: 0, max: 10 }), undefined)
    for (const bad of ['', ' ', '1.5', '-1', '11', 'x'])
      assert.throws(
        () => parseCount(bad, '--peers', { min: 0, max: 10, unit: 'peers' }),
        new RegExp(`--peers must be a whole number of peers from 0 to 10 \\(got "${bad}"\\)`)
      )
  })
})
