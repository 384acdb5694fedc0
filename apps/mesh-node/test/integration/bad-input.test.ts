import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { at } from '@mesh-node/test-utils'
import { runCli, startTestDaemon, stopAll, type TestDaemon, tmpDataDir } from '../helpers/daemon.js'

const LOCAL = ['--api', '127.0.0.1:0', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns']

function assertExplained(res: { code: number; stderr: string }, pattern: RegExp): void {
  assert.notEqual(res.code, 0, 'exits non-zero')
  assert.match(res.stderr, pattern)
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace')
}

describe('bad input to start', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('names a malformed multiaddr', async () => {
    assertExplained(
      await runCli(['start', '--data-dir', tmpDataDir(), ...LOCAL, '--listen', '/ip4/999.1.1.1/tcp/1']),
      /invalid listen address "\/ip4\/999\.1\.1\.1\/tcp\/1"/
    )
    assertExplained(
      await runCli(['start', '--data-dir', tmpDataDir(), ...LOCAL, '--bootstrap', 'not-an-addr']),
      /invalid bootstrap address "not-an-addr"/
    )
    assertExplained(
      await runCli(['start', '--data-dir', tmpDataDir(), '--api', 'localhost']),
      /api address "localhost" must be HOST:PORT/
    )
  })

  it('names an unreadable or invalid config file and the field at fault', async () => {
    const dir = tmpDataDir()
    assertExplained(
      await runCli(['start', '--data-dir', dir, '--config', join(dir, 'nope.json')]),
      /cannot read config file .*nope\.json: no such file/
    )
    writeFileSync(join(dir, 'broken.json'), '{"listen": [')
    assertExplained(
      await runCli(['start', '--data-dir', dir, '--config', join(dir, 'broken.json')]),
      /broken\.json is not valid JSON/
    )
    writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ mdns: { intervalMs: 'fast' } }))
    assertExplained(
      await runCli(['start', '--data-dir', dir, '--config', join(dir, 'wrong.json')]),
      /wrong\.json: mdns\.intervalMs: Expected integer/
    )
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ listn: [] }))
    assertExplained(
      await runCli(['start', '--data-dir', dir, '--config', join(dir, 'typo.json')]),
      /typo\.json: listn: unknown setting/
    )
  })

  it('names a busy API port and a busy listen port', async () => {
    const d = await startTestDaemon({ args: ['--no-mdns'] })
    daemons.push(d)
    const apiPort = new URL(d.url).port
    const listenAddr = at((await d.client.id()).addresses, 0).replace(/\/p2p\/.*$/, '')
    assertExplained(
      await runCli([
        'start',
        '--data-dir',
        tmpDataDir(),
        '--no-mdns',
        '--listen',
        '/ip4/127.0.0.1/tcp/0',
        '--api',
        `127.0.0.1:${apiPort}`
      ]),
      new RegExp(`API address 127\\.0\\.0\\.1:${apiPort} is already in use`)
    )
    assertExplained(
      await runCli([
        'start',
        '--data-dir',
        tmpDataDir(),
        '--no-mdns',
        '--api',
        '127.0.0.1:0',
        '--listen',
        listenAddr
      ]),
      /listen address is already in use/
    )
    // The daemon whose ports were wanted keeps running.
    assert.equal((await d.client.id()).peerId, d.peerId)
  })

  it('rejects unknown options with usage help', async () => {
    assertExplained(await runCli(['start', '--bogus']), /unknown option '--bogus'/)
    assertExplained(await runCli(['start', '--log-level', 'loud']), /Allowed choices are/)
  })
})
