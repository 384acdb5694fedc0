import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import {
  runCli,
  startTestDaemon,
  stopAll,
  type TestDaemon,
  tmpDataDir,
  uniqueTag
} from '../helpers/daemon.js'

describe('mesh-node wait', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('returns 0 once the peers and the capability are there, waiting for them to arrive', async () => {
    const tag = uniqueTag()
    const a = await startTestDaemon({ tag })
    daemons.push(a)
    const waiting = a.cli([
      'wait',
      '--peers',
      '1',
      '--capability',
      'text.upper',
      '--timeout',
      '30s',
      '--json'
    ])
    const b = await startTestDaemon({
      tag,
      config: {
        agents: [{ name: 'up', capabilities: ['text.upper'], handler: { kind: 'builtin', name: 'upper' } }]
      }
    })
    daemons.push(b)
    const res = await waiting
    assert.equal(res.code, 0, res.stderr)
    const seen = JSON.parse(res.stdout) as { peers: number; agents: Record<string, number> }
    assert.ok(seen.peers >= 1)
    assert.equal(seen.agents['text.upper'], 1)
    // What wait promised holds when it returns.
    assert.ok((await a.client.agents({ capability: 'text.upper' })).some((ag) => ag.peerId === b.peerId))
  })

  it('exits 1 on timeout and says what is still missing', async () => {
    const lone = await startTestDaemon()
    daemons.push(lone)
    const started = Date.now()
    const res = await lone.cli(['wait', '--peers', '2', '--capability', 'nobody.has.this', '--timeout', '1s'])
    assert.equal(res.code, 1)
    assert.ok(Date.now() - started >= 1000)
    assert.match(res.stderr, /timed out after 1s: still waiting for 2 connected peers \(have 0\)/)
    assert.match(res.stderr, /an agent with capability nobody\.has\.this \(none known\)/)
  })

  it('waits for a daemon that is not up, and says so on timeout', async () => {
    const res = await runCli(['wait', '--peers', '0', '--timeout', '300ms', '--data-dir', tmpDataDir()])
    assert.equal(res.code, 1)
    assert.match(
      res.stderr,
      /timed out after 300ms: the daemon did not answer .*is it started with this --data-dir\?/
    )
  })

  it('rejects bad flags with what to fix', async () => {
    const dir = tmpDataDir()
    const none = await runCli(['wait', '--data-dir', dir])
    assert.equal(none.code, 1)
    assert.match(none.stderr, /wait needs --peers N and\/or --capability NAME/)
    const badTimeout = await runCli(['wait', '--peers', '1', '--timeout', '10x', '--data-dir', dir])
    assert.equal(badTimeout.code, 1)
    assert.match(badTimeout.stderr, /--timeout must be a duration .*got "10x"/)
    const badPeers = await runCli(['wait', '--peers', 'two', '--data-dir', dir])
    assert.equal(badPeers.code, 1)
    assert.match(badPeers.stderr, /--peers must be a whole number/)
  })
})
