import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { shortPeer } from '../../src/ids.js'

describe('short ids', () => {
  it('keeps the first 4 and last 6 characters of a peer id, or all with --no-trunc', () => {
    const id = '12D3KooWLW9YqkAbCdEfGhJkLmNpQrStUvWxYz123456X95yK6'
    assert.equal(shortPeer(id), '12D3…X95yK6')
    assert.equal(shortPeer(id, true), id)
    assert.equal(shortPeer(undefined), '-')
  })
})
