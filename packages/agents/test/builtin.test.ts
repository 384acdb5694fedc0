import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type BuiltinHandlerSpec, createHandler, HandlerError } from '../src/index.js'
import { bid, brainstorm, critique, ctx, task, vote } from './helpers.js'

const baseDir = process.cwd()
const builtin = (name: string, options?: Record<string, unknown>) =>
  createHandler({ kind: 'builtin', name, ...(options ? { options } : {}) } as BuiltinHandlerSpec, { baseDir })

describe('builtin handlers', () => {
  it('echo returns its input unchanged', async () => {
    const echo = await builtin('echo')
    const input = { a: [1, 'two', { three: null }], b: true }
    assert.deepEqual(await echo(task(input), ctx()), input)
  })

  it('upper upper-cases a string', async () => {
    const upper = await builtin('upper')
    assert.equal(await upper(task('mesh node ä'), ctx()), 'MESH NODE Ä')
    await assert.rejects(async () => upper(task(42), ctx()), {
      code: 'handler_failed',
      message: /string input/
    })
  })

  it('text.stats counts characters, words, lines and sentences', async () => {
    const stats = await builtin('text.stats')
    const text = 'The cat sat. The cat ran!\nDid the dog see it? Pi is 3.14 and the end\n'
    assert.deepEqual(await stats(task({ text }), ctx()), {
      chars: text.length,
      words: 17,
      lines: 2,
      sentences: 4,
      topWords: [
        ['the', 4],
        ['cat', 2],
        ['3.14', 1],
        ['and', 1],
        ['did', 1]
      ]
    })
    const empty = (await stats(task(''), ctx())) as { words: number; lines: number }
    assert.equal(empty.words, 0)
    assert.equal(empty.lines, 0)
  })

  it('slow waits, and stops at once when aborted', async () => {
    const slow = await builtin('slow', { ms: 20 })
    const started = Date.now()
    assert.deepEqual(await slow(task('x'), ctx()), { slept: 20, input: 'x' })
    assert.ok(Date.now() - started >= 19)

    const controller = new AbortController()
    const running = Promise.resolve(slow(task({ ms: 30_000 }), ctx(controller.signal)))
    const reason = new Error('caller gave up')
    controller.abort(reason)
    await assert.rejects(running, (err) => err === reason)
  })

  it('slow reports handler_timeout when the request deadline passes', async () => {
    const slow = await builtin('slow')
    await assert.rejects(
      async () => slow(task({ ms: 30_000 }, { deadline: Date.now() + 50 }), ctx()),
      (err: unknown) =>
        err instanceof HandlerError && err.code === 'handler_timeout' && /deadline/.test(err.message)
    )
  })

  it('fail throws handler_failed with the given or default message', async () => {
    const fail = await builtin('fail')
    await assert.rejects(async () => fail(task({ message: 'nope' }), ctx()), {
      code: 'handler_failed',
      message: 'nope'
    })
    await assert.rejects(async () => fail(task(null), ctx()), {
      code: 'handler_failed',
      message: /always fails/
    })
  })

  it('votes first, last, random or a fixed choice', async () => {
    const options = ['a', 'b', 'c']
    assert.deepEqual(await (await builtin('echo'))(vote(options), ctx()), { choice: 'a' })
    assert.deepEqual(await (await builtin('echo', { vote: 'last' }))(vote(options), ctx()), { choice: 'c' })
    const random = await builtin('echo', { vote: 'random' })
    for (let i = 0; i < 20; i++) {
      const { choice } = (await random(vote(options), ctx())) as { choice: string }
      assert.ok(options.includes(choice))
    }
    const fixed = await builtin('echo', { vote: { choice: 'zebra' } })
    assert.deepEqual(
      await fixed(vote(options), ctx()),
      { choice: 'zebra' },
      'a fixed choice is answered even if invalid'
    )
  })

  it('critiques by de-duplicating and sorting by length, or reversing', async () => {
    const ideas = ['ccc', 'a', 'bb', 'a', 'dd']
    assert.deepEqual(await (await builtin('echo'))(critique(ideas), ctx()), {
      ideas: ['a', 'bb', 'dd', 'ccc']
    })
    const reverse = await builtin('echo', { critique: 'reverse' })
    assert.deepEqual(await reverse(critique(ideas), ctx()), { ideas: ['ccc', 'dd', 'bb', 'a'] })
  })

  it('brainstorms and bids from options or defaults', async () => {
    const echo = await builtin('echo')
    assert.deepEqual(await echo(brainstorm('cache it'), ctx(undefined, 'alice')), { idea: 'alice: cache it' })
    assert.deepEqual(await echo(bid(0.4), ctx()), { score: 0.4 })
    const opinionated = await builtin('echo', { idea: 'shard it', bidScore: 0.9 })
    assert.deepEqual(await opinionated(brainstorm('x'), ctx()), { idea: 'shard it' })
    assert.deepEqual(await opinionated(bid(0.4), ctx()), { score: 0.9 })
  })

  it('rejects an unknown builtin, listing the known ones', async () => {
    await assert.rejects(builtin('teleport'), {
      name: 'HandlerError',
      code: 'handler_unsupported',
      message: /"teleport".*echo, text\.stats, slow, fail, upper/
    })
  })
})
