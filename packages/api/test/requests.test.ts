import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  InvalidRequestError,
  parseAuction,
  parseSolve,
  parseSubmit,
  parseTaskListLimit,
  parseVote
} from '../src/index.js'

const rejects = (fn: () => unknown, pattern: RegExp): void => {
  assert.throws(
    fn,
    (err: unknown) =>
      err instanceof InvalidRequestError && err.code === 'bad_request' && pattern.test(err.message)
  )
}

describe('api request validation', () => {
  it('fills the defaults of a submit and keeps its fields', () => {
    assert.deepEqual(parseSubmit({ capability: 'text.upper' }, 1234), {
      capability: 'text.upper',
      input: null,
      wait: true,
      queue: false,
      timeoutMs: 1234
    })
    assert.equal(parseSubmit({ capability: 'a', wait: false, queue: true, timeoutMs: 5 }, 1).queue, true)
  })

  it('splits agent NAME@PEER of a submit, and refuses a malformed target', () => {
    const both = parseSubmit({ capability: 'a', agent: 'beta@12D3KooWabc' }, 1)
    assert.equal(both.agent, 'beta')
    assert.equal(both.peer, '12D3KooWabc')
    assert.equal(parseSubmit({ capability: 'a', peer: '12D3Koo' }, 1).peer, '12D3Koo')
    rejects(() => parseSubmit({ capability: 'a', agent: 'x@12D3', peer: '12D3' }, 1), /give the peer once/)
    rejects(() => parseSubmit({ capability: 'a', agent: 'bad name' }, 1), /not an agent name/)
    rejects(() => parseSubmit({ capability: 'a', peer: '0OIl' }, 1), /not a peer id/)
    rejects(() => parseSubmit({ capability: 'a', agent: 7 }, 1), /agent must be/)
  })

  it('names the field to fix', () => {
    rejects(() => parseSubmit([], 1), /JSON object/)
    rejects(() => parseSubmit({ capability: 'a', extra: 1 }, 1), /unknown field\(s\): extra/)
    rejects(() => parseSubmit({ capability: 'bad name' }, 1), /capability must be/)
    rejects(
      () => parseSubmit({ capability: 'a', timeoutMs: 600_001 }, 1),
      /timeoutMs must be an integer from 1 to 600000/
    )
    rejects(() => parseSubmit({ capability: 'a', wait: 'yes' }, 1), /wait must be true or false/)
    rejects(() => parseVote({ question: 'q', options: [] }), /options must be 1 to 32/)
    rejects(
      () => parseAuction({ capability: 'a', deadlineMs: 0 }),
      /deadlineMs must be an integer from 1 to 60000/
    )
    rejects(() => parseSolve({ problem: '' }), /problem must be a non-empty string/)
    rejects(
      () => parseTaskListLimit(new URLSearchParams('limit=0')),
      /limit must be an integer from 1 to 10000/
    )
  })

  it('defaults vote and auction timings', () => {
    assert.equal(parseVote({ question: 'q', options: ['a'] }).timeoutMs, 10_000)
    const auction = parseAuction({ capability: 'a' })
    assert.equal(auction.deadlineMs, 2000)
    assert.equal(auction.timeoutMs, 30_000)
    assert.equal(parseSolve({ problem: 'p', phaseTimeoutMs: 100 }).phaseTimeoutMs, 100)
  })
})
