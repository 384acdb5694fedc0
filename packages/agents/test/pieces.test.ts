import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { createHandler, type HandlerContext } from '../src/index.js'
import { serve, type TestServer, task } from './helpers.js'

/** A context that records what the handler streamed. */
function recording(): { ctx: HandlerContext; pieces: { kind: string; data: unknown }[] } {
  const pieces: { kind: string; data: unknown }[] = []
  return {
    pieces,
    ctx: {
      signal: new AbortController().signal,
      agent: 't',
      log: () => {},
      emit: (kind, data) => pieces.push({ kind, data })
    }
  }
}

describe('streamed pieces from handlers', () => {
  let server: TestServer
  const dir = mkdtempSync(join(tmpdir(), 'pieces-'))

  before(async () => {
    server = await serve((req, _body, res) => {
      if (req.url === '/ndjson') {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' })
        res.write('{"type":"partial","text":"a"}\n')
        res.end('{"type":"progress","progress":1}\n{"done": true}\n')
      } else if (req.url === '/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('event: partial\ndata: {"text":"x"}\n\nevent: progress\ndata: half\n\n')
        res.end('event: result\ndata: {"done": 1}\n\n')
      } else if (req.url === '/sse-no-result') {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.end('event: partial\ndata: {"text":"x"}\n\n')
      }
    })
  })
  after(() => server.close())

  it('exec: piece lines stream out and the other lines are the final value; a lookalike stays', async () => {
    const file = join(dir, 'agent.mjs')
    writeFileSync(
      file,
      `process.stdout.write('{"type":"progress","progress":0.5}\\n{"type":"partial","text":"hi"}\\n')
process.stdout.write('{\\n  "type": "partial",\\n  "kept": true\\n}')`
    )
    const handler = await createHandler({ kind: 'exec', command: [process.execPath, file] }, { baseDir: dir })
    const { ctx, pieces } = recording()
    assert.deepEqual(await handler(task('x'), ctx), { type: 'partial', kept: true })
    assert.deepEqual(pieces, [
      { kind: 'progress', data: { progress: 0.5 } },
      { kind: 'partial', data: { text: 'hi' } }
    ])
  })

  it('module: ctx.emit reaches the runtime', async () => {
    const file = join(dir, 'mod.mjs')
    writeFileSync(file, `export default (req, ctx) => { ctx.emit('partial', { text: 'm' }); return 'done' }`)
    const handler = await createHandler({ kind: 'module', path: file }, { baseDir: dir })
    const { ctx, pieces } = recording()
    assert.equal(await handler(task('x'), ctx), 'done')
    assert.deepEqual(pieces, [{ kind: 'partial', data: { text: 'm' } }])
  })

  it('module: an async generator streams what it yields and returns the result', async () => {
    const file = join(dir, 'gen.mjs')
    writeFileSync(
      file,
      `export default async function* (req) {
        yield { type: 'progress', progress: 0.5 }
        yield 'Hel'
        yield { type: 'partial', text: 'lo' }
        yield [1, 2]
        return { said: req.input }
      }`
    )
    const handler = await createHandler({ kind: 'module', path: file }, { baseDir: dir })
    const { ctx, pieces } = recording()
    assert.deepEqual(await handler(task('hi'), ctx), { said: 'hi' })
    assert.deepEqual(pieces, [
      { kind: 'progress', data: { progress: 0.5 } },
      { kind: 'partial', data: { text: 'Hel' } },
      { kind: 'partial', data: { text: 'lo' } },
      { kind: 'partial', data: [1, 2] }
    ])
  })

  it("module: an iterable's { type: 'result' } ends it; an abort closes the generator", async () => {
    const file = join(dir, 'iter.mjs')
    writeFileSync(
      file,
      `export const closed = []
      export async function stream () {
        return (async function* () {
          yield 'a'
          yield { type: 'result', result: 42 }
          yield 'never'
        })()
      }
      export async function* endless (req, ctx) {
        try { for (let i = 0; ; i++) { yield 'tick'; await new Promise((r) => setTimeout(r, 5)) } }
        finally { closed.push(req.taskId) }
      }`
    )
    const streamed = recording()
    const handler = await createHandler({ kind: 'module', path: file, export: 'stream' }, { baseDir: dir })
    assert.equal(await handler(task('x'), streamed.ctx), 42)
    assert.deepEqual(streamed.pieces, [{ kind: 'partial', data: { text: 'a' } }])

    const endless = await createHandler({ kind: 'module', path: file, export: 'endless' }, { baseDir: dir })
    const controller = new AbortController()
    const aborted = { ...recording().ctx, signal: controller.signal }
    const req = task('x')
    const running = Promise.resolve(endless(req, aborted))
    setTimeout(() => controller.abort(), 30)
    await assert.rejects(running, { name: 'AbortError' }, 'the call ends at the abort')
    const mod = (await import(pathToFileURL(file).href)) as { closed: string[] }
    const deadline = Date.now() + 5000
    while (mod.closed.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    assert.deepEqual(mod.closed, [req.taskId], "the generator's finally ran")
  })

  it('http: NDJSON and SSE replies stream pieces, then the answer', async () => {
    const ndjson = recording()
    const h1 = await createHandler({ kind: 'http', url: `${server.url}/ndjson` }, { baseDir: dir })
    assert.deepEqual(await h1(task('x'), ndjson.ctx), { done: true })
    assert.deepEqual(ndjson.pieces, [
      { kind: 'partial', data: { text: 'a' } },
      { kind: 'progress', data: { progress: 1 } }
    ])
    const sse = recording()
    const h2 = await createHandler({ kind: 'http', url: `${server.url}/sse` }, { baseDir: dir })
    assert.deepEqual(await h2(task('x'), sse.ctx), { done: 1 })
    assert.deepEqual(sse.pieces, [
      { kind: 'partial', data: { text: 'x' } },
      { kind: 'progress', data: { text: 'half' } }
    ])
    const h3 = await createHandler({ kind: 'http', url: `${server.url}/sse-no-result` }, { baseDir: dir })
    await assert.rejects(async () => await h3(task('x'), recording().ctx), /ended without a "result" event/)
  })
})
