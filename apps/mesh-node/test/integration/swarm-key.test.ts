import assert from 'node:assert/strict'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import {
  runCli,
  startTestDaemon,
  stopAll,
  type TestDaemon,
  tmpDataDir,
  uniqueTag
} from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

describe('private mesh with a swarm key', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('generates keys in the pnet format with mode 0600', async () => {
    const dir = tmpDataDir()
    const res = await runCli(['swarm-key', 'generate', join(dir, 'a.key')])
    assert.equal(res.code, 0, res.stderr)
    assert.equal(statSync(join(dir, 'a.key')).mode & 0o777, 0o600)
    assert.match(
      readFileSync(join(dir, 'a.key'), 'utf8'),
      /^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/
    )
    const again = await runCli(['swarm-key', 'generate', join(dir, 'a.key')])
    assert.notEqual(again.code, 0)
    assert.match(again.stderr, /already exists; pass --force/)
  })

  it('connects nodes with the same key and never nodes with different keys', async () => {
    const dir = tmpDataDir()
    for (const name of ['a.key', 'b.key'])
      assert.equal((await runCli(['swarm-key', 'generate', join(dir, name)])).code, 0)
    const tag = uniqueTag()
    const [a1, a2, b1] = await Promise.all([
      startTestDaemon({ tag, args: ['--swarm-key', join(dir, 'a.key')] }),
      startTestDaemon({ tag, args: ['--swarm-key', join(dir, 'a.key')] }),
      startTestDaemon({ tag, args: ['--swarm-key', join(dir, 'b.key')] })
    ])
    daemons.push(a1, a2, b1)
    await waitFor(async () => (await a1.client.peers()).some((p) => p.peerId === a2.peerId), {
      message: 'a1 and a2 to connect'
    })
    // b1 discovers a1 and a2 by mDNS (same tag) and tries to dial them: wait
    // until both attempts have failed, then nothing may be connected.
    await waitFor(
      () =>
        [a1.peerId, a2.peerId].every((id) =>
          new RegExp(`"remotePeer":"${id}".*auto-dial failed`).test(b1.output())
        ),
      { message: 'b1 to try and fail to dial the a-nodes' }
    )
    assert.deepEqual(await b1.client.peers(), [])
    for (const a of [a1, a2]) assert.ok((await a.client.peers()).every((p) => p.peerId !== b1.peerId))
  })

  it('rejects a file that is not a swarm key', async () => {
    const dir = tmpDataDir()
    const res = await runCli([
      'start',
      '--data-dir',
      dir,
      '--swarm-key',
      join(dir, 'missing.key'),
      '--api',
      '127.0.0.1:0',
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--no-mdns'
    ])
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /cannot read swarm key file .*missing\.key/)
  })
})
