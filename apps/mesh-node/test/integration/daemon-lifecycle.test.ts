import assert from 'node:assert/strict'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { at } from '@mesh-node/test-utils'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

describe('three daemons on loopback', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('discover each other by mDNS and list each other in peers --json within 20 s', async () => {
    const tag = uniqueTag()
    daemons.push(...(await Promise.all([0, 1, 2].map(async () => await startTestDaemon({ tag })))))
    const ids = daemons.map((d) => d.peerId)
    for (const d of daemons) {
      const others = ids.filter((id) => id !== d.peerId).sort()
      await waitFor(
        async () => {
          const res = await d.cli(['peers', '--json'])
          assert.equal(res.code, 0, res.stderr)
          const peers = (JSON.parse(res.stdout) as Array<{ peerId: string; addresses: string[] }>)
            .map((p) => p.peerId)
            .sort()
          return others.every((id) => peers.includes(id))
        },
        { timeoutMs: 20_000, message: `${d.peerId} to see ${others.join(', ')}` }
      )
    }
    const table = await at(daemons, 0).cli(['peers', '--no-trunc'])
    assert.match(table.stdout, /^NAME\s+PEER ID\s+ADDRESSES/)
    assert.ok(table.stdout.includes(at(ids, 1)))
  })

  it('id --json reports the peer id and dialable addresses', async () => {
    const res = await at(daemons, 0).cli(['id', '--json'])
    assert.equal(res.code, 0, res.stderr)
    const info = JSON.parse(res.stdout) as { peerId: string; addresses: string[] }
    assert.equal(info.peerId, at(daemons, 0).peerId)
    assert.ok(info.addresses.length > 0)
    for (const addr of info.addresses)
      assert.match(addr, new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${info.peerId}$`))
  })

  it('writes key and token files with mode 0600', () => {
    for (const file of ['identity.key', 'api.token']) {
      assert.equal(statSync(join(at(daemons, 0).dataDir, file)).mode & 0o777, 0o600, file)
    }
  })
})

describe('daemon lifecycle', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('keeps its peer id across a restart, and stop removes the api file', async () => {
    const first = await startTestDaemon()
    daemons.push(first)
    const stop = await first.cli(['stop'])
    assert.equal(stop.code, 0, stop.stderr)
    assert.equal(await first.exited(), 0)
    assert.equal(existsSync(join(first.dataDir, 'api')), false)
    assert.equal(existsSync(join(first.dataDir, 'daemon.lock')), false)

    const second = await startTestDaemon({ dataDir: first.dataDir })
    daemons.push(second)
    assert.equal(second.peerId, first.peerId)
    const id = await second.cli(['id', '--json'])
    assert.equal(JSON.parse(id.stdout).peerId, first.peerId)
  })

  it('refuses a second daemon on the same data dir', async () => {
    const running = at(daemons, 1)
    const res = await running.cli([
      'start',
      '--api',
      '127.0.0.1:0',
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--no-mdns'
    ])
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /in use by another mesh-node daemon \(pid \d+\)/)
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace')
    // The first daemon is unharmed.
    assert.equal((await running.client.id()).peerId, running.peerId)
  })

  it('answers 401 without the token, or with a wrong one, as JSON', async () => {
    const { url } = at(daemons, 1)
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic abc' }]) {
      const res = await fetch(`${url}/v1/id`, { headers })
      assert.equal(res.status, 401)
      const body = (await res.json()) as { error: string; code: string }
      assert.equal(body.code, 'unauthorized')
      assert.match(body.error, /bearer token/)
    }
  })

  it('shuts down gracefully on SIGTERM and takes over a lock left by kill -9', async () => {
    const d = at(daemons, 1)
    d.kill('SIGTERM')
    assert.equal(await d.exited(), 0)
    assert.equal(existsSync(join(d.dataDir, 'api')), false)

    const crashed = await startTestDaemon({ dataDir: d.dataDir })
    daemons.push(crashed)
    crashed.kill('SIGKILL')
    await crashed.exited()
    assert.equal(existsSync(join(d.dataDir, 'daemon.lock')), true, 'kill -9 leaves the lock behind')
    const restarted = await startTestDaemon({ dataDir: d.dataDir })
    daemons.push(restarted)
    assert.equal(restarted.peerId, d.peerId)
  })

  it('tells the user when no daemon is running', async () => {
    const d = at(daemons, daemons.length - 1)
    await d.stop()
    for (const cmd of [['id'], ['peers', '--json'], ['stop']]) {
      const res = await d.cli(cmd)
      assert.notEqual(res.code, 0)
      assert.match(res.stderr, /no mesh-node daemon is running for/)
    }
  })
})
