import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { connect, createClient, defaultDataDir, type MeshClientError } from '../src/index.js'

describe('client', () => {
  let server: Server
  let url: string
  const dir = mkdtempSync(join(tmpdir(), 'mesh-client-'))

  before(async () => {
    // A real HTTP server speaking the API's conventions.
    server = createServer((req, res) => {
      if (req.headers.authorization !== 'Bearer secret') {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'missing or wrong bearer token', code: 'unauthorized' }))
        return
      }
      if (req.url === '/v1/id') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ peerId: '12D3Koo', addresses: ['/ip4/127.0.0.1/tcp/1'] }))
      } else if (req.url === '/v1/slow') {
        setTimeout(() => res.end('{}'), 2000)
      } else if (req.url === '/v1/garbage') {
        res.writeHead(200).end('<html>')
      } else {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'no such route', code: 'not_found' }))
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  it('finds the daemon through the data dir files and sends the token', async () => {
    writeFileSync(join(dir, 'api'), url + '\n')
    writeFileSync(join(dir, 'api.token'), 'secret\n')
    const client = await connect({ dataDir: dir })
    assert.deepEqual(await client.id(), { peerId: '12D3Koo', addresses: ['/ip4/127.0.0.1/tcp/1'] })
  })

  it('turns error bodies into MeshClientError with code and status', async () => {
    const bad = createClient({ url, token: 'wrong' })
    await assert.rejects(
      bad.id(),
      (err: MeshClientError) => err.code === 'unauthorized' && err.status === 401
    )
    const good = createClient({ url, token: 'secret' })
    await assert.rejects(
      good.request('GET', '/v1/missing'),
      (err: MeshClientError) => err.code === 'not_found' && err.status === 404
    )
    await assert.rejects(
      good.request('GET', '/v1/garbage'),
      (err: MeshClientError) => err.code === 'bad_response'
    )
  })

  it('times out instead of hanging', async () => {
    const client = createClient({ url, token: 'secret' }, { timeoutMs: 200 })
    await assert.rejects(client.request('GET', '/v1/slow'), (err: MeshClientError) => err.code === 'timeout')
  })

  it('says clearly when no daemon runs', async () => {
    await assert.rejects(
      connect({ dataDir: join(dir, 'empty') }),
      (err: MeshClientError) =>
        err.code === 'daemon_not_running' && /no mesh-node daemon is running/.test(err.message)
    )
    // A stale api file pointing at a closed port.
    const stale = createClient({ url: 'http://127.0.0.1:1', token: 'x' })
    await assert.rejects(stale.id(), (err: MeshClientError) => err.code === 'daemon_not_running')
  })

  it('defaults the data dir to $MESH_NODE_HOME, else ~/.mesh-node', () => {
    assert.equal(defaultDataDir({ MESH_NODE_HOME: '/srv/mesh' }), '/srv/mesh')
    assert.match(defaultDataDir({ HOME: '/home/x' }), /\.mesh-node$/)
  })
})
