import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'

interface Reply {
  status: number
  body: { code?: string; error?: string }
}

/** A raw HTTP request, so the test controls the Host header (fetch does not let it). */
async function send(
  d: TestDaemon,
  path: string,
  options: { method?: string; host?: string; body?: string } = {}
): Promise<Reply> {
  const url = new URL(d.url)
  const token = readFileSync(join(d.dataDir, 'api.token'), 'utf8').trim()
  return await new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: {
          authorization: `Bearer ${token}`,
          host: options.host ?? url.host,
          'content-type': 'application/json'
        }
      },
      (res) => {
        let text = ''
        res.on('data', (c: Buffer) => {
          text += c.toString()
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
      }
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

describe('the control API under hostile requests', { timeout: 300_000 }, () => {
  let d: TestDaemon
  before(async () => {
    d = await startTestDaemon({
      config: { agents: [{ name: 'e', capabilities: ['echo'], handler: { kind: 'builtin', name: 'echo' } }] }
    })
  })
  after(async () => {
    await d?.stop()
  })

  it('answers 400 to a path with a malformed escape', async () => {
    const res = await send(d, '/v1/tasks/%ZZ')
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'bad_path')
    assert.match(res.body.error ?? '', /%ZZ/)
  })

  it('answers 400 to a body nested 100,000 levels deep, and still serves', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
    const res = await send(d, '/v1/tasks', {
      method: 'POST',
      body: `{"capability":"echo","input":${deep}}`
    })
    assert.equal(res.status, 400)
    assert.equal(res.body.code, 'too_deep')
    assert.match(res.body.error ?? '', /deeper than 64 levels/)
    const ok = await d.client.submit({ capability: 'echo', input: [[[[['fine']]]]] })
    assert.equal(ok.status, 'completed')
  })

  it('refuses a Host header that is not its own address (DNS rebinding), accepts its own and localhost', async () => {
    const port = new URL(d.url).port
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `localhost:1`]) {
      const res = await send(d, '/v1/id', { host })
      assert.equal(res.status, 403, `Host ${host}`)
      assert.equal(res.body.code, 'forbidden_host')
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `LOCALHOST:${port}`]) {
      assert.equal((await send(d, '/v1/id', { host })).status, 200, `Host ${host}`)
    }
  })
})
