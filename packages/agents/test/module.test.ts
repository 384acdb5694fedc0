import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createHandler } from '../src/index.js'
import { ctx, task, vote } from './helpers.js'

const modules: Record<string, string> = {
  'default.mjs': `export default (request, ctx) => ({ agent: ctx.agent, type: request.type, input: request.input })`,
  'named.mjs': `
    export const version = 2
    export async function reverse (request) { return String(request.input).split('').reverse().join('') }
    export function handler () { return 'plain handler' }
  `,
  'handler-only.mjs': `export function handler (request) { return { got: request.input } }`,
  'no-function.mjs': `export const config = { a: 1 }\nexport const name = 'x'`,
  'stubborn.mjs': `export default () => new Promise(() => {})`,
  'broken.mjs': `export default (`
}

describe('module handler', () => {
  let dir: string
  const load = (path: string, exportName?: string) =>
    createHandler({ kind: 'module', path, ...(exportName ? { export: exportName } : {}) }, { baseDir: dir })

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-module-'))
    for (const [name, body] of Object.entries(modules)) writeFileSync(join(dir, name), body)
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('uses the default export, resolving a relative path against baseDir', async () => {
    const handler = await load('./default.mjs')
    assert.deepEqual(await handler(task([1, 2]), ctx(undefined, 'js-agent')), {
      agent: 'js-agent',
      type: 'task_request',
      input: [1, 2]
    })
    assert.equal(((await handler(vote(['a']), ctx())) as { type: string }).type, 'consensus_vote')
  })

  it('uses a named export when asked, else "handler"', async () => {
    assert.equal(await (await load(join(dir, 'named.mjs'), 'reverse'))(task('abc'), ctx()), 'cba')
    assert.deepEqual(await (await load('handler-only.mjs'))(task(7), ctx()), { got: 7 })
  })

  it('explains a module that exports no handler function, listing its exports', async () => {
    await assert.rejects(load('no-function.mjs'), {
      code: 'handler_unsupported',
      message:
        /no-function\.mjs must export a function as its default export or as "handler"; it exports: config \(object\), name \(string\)/
    })
    await assert.rejects(load('named.mjs', 'missing'), {
      message: /a function named "missing".*reverse \(function\)/
    })
    await assert.rejects(load('broken.mjs'), {
      code: 'handler_failed',
      message: /could not load module .*broken\.mjs/
    })
  })

  it('enforces the deadline even when the module ignores its signal', async () => {
    const handler = await load('stubborn.mjs')
    await assert.rejects(async () => handler(task(null, { deadline: Date.now() + 100 }), ctx()), {
      code: 'handler_timeout'
    })
  })
})
