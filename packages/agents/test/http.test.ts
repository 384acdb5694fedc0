import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { last } from '@mesh-node/test-utils'
import { createHandler, type HttpHandlerSpec } from '../src/index.js'
import { ctx, sendJson, serve, type TestServer, task, vote } from './helpers.js'

describe('http handler', () => {
  let server: TestServer
  const seen: { path: string; headers: Record<string, unknown>; body: unknown }[] = []
  const http = (path: string, extra: Partial<HttpHandlerSpec> = {}) =>
    createHandler({ kind: 'http', url: server.url + path, ...extra }, { baseDir: process.cwd() })

  before(async () => {
    server = await serve((req, body, res) => {
      seen.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(body) })
      switch (req.url) {
        case '/ok':
          return sendJson(res, 200, { echoed: JSON.parse(body), method: req.method })
        case '/error':
          res.writeHead(500, { 'content-type': 'text/plain' })
          return res.end(`database on fire ${'!'.repeat(1000)}`)
        case '/text':
          res.writeHead(200, { 'content-type': 'text/plain' })
          return res.end('plain words')
        case '/hang':
          return // never answers; the handler's timeout must end the call
        default:
          res.writeHead(404)
          res.end()
      }
    })
  })
  after(() => server.close())

  it('POSTs the request as JSON with custom headers and returns the JSON reply', async () => {
    const handler = await http('/ok', { headers: { 'x-token': 'secret' } })
    const request = task({ q: 1 })
    assert.deepEqual(await handler(request, ctx()), { echoed: request, method: 'POST' })
    const latest = last(seen)
    assert.equal(latest.headers['content-type'], 'application/json')
    assert.equal(latest.headers['x-token'], 'secret')
    const question = vote(['x'])
    assert.deepEqual(await handler(question, ctx()), { echoed: question, method: 'POST' })
  })

  it('reports a non-2xx status with the first 500 characters of the body', async () => {
    const handler = await http('/error')
    await assert.rejects(
      async () => handler(task(null), ctx()),
      (err: { code: string; message: string }) => {
        assert.equal(err.code, 'handler_failed')
        assert.match(err.message, /^HTTP 500: database on fire !+…$/)
        assert.equal(err.message.length, 'HTTP 500: '.length + 500 + 1)
        return true
      }
    )
  })

  it('rejects a 2xx reply that is not JSON', async () => {
    const handler = await http('/text')
    await assert.rejects(async () => handler(task(null), ctx()), {
      code: 'handler_invalid_output',
      message: /not JSON: plain words/
    })
  })

  it('times out a server that never answers', async () => {
    const handler = await http('/hang', { timeoutMs: 200 })
    const started = Date.now()
    await assert.rejects(async () => handler(task(null), ctx()), {
      code: 'handler_timeout',
      message: /timed out after 200 ms/
    })
    assert.ok(Date.now() - started < 5000)
  })

  it('reports a connection failure as handler_failed', async () => {
    // A port that was just free: nothing listens there any more.
    const gone = await serve(() => {})
    await gone.close()
    const handler = await createHandler({ kind: 'http', url: `${gone.url}/x` }, { baseDir: process.cwd() })
    await assert.rejects(async () => handler(task(null), ctx()), {
      code: 'handler_failed',
      message: /^POST http:\/\/127\.0\.0\.1:\d+\/x failed: fetch failed: .*ECONNREFUSED/
    })
  })
})
