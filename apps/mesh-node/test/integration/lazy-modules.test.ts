import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { startTestDaemon, stopAll, type TestDaemon, tmpDataDir } from '../helpers/daemon.js'

const TRACKER = fileURLToPath(new URL('../helpers/load-tracker.js', import.meta.url))
const ECHO = { name: 'echo', capabilities: ['echo'], capacity: 4, handler: { kind: 'builtin', name: 'echo' } }

/** Starts a daemon, runs one task through it, stops it; resolves to every module URL it loaded. */
async function modulesOfALife(args: string[], started: TestDaemon[]): Promise<string[]> {
  const log = join(tmpDataDir('mesh-loads-'), 'loaded.txt')
  const daemon = await startTestDaemon({
    args,
    config: { agents: [ECHO] },
    env: { NODE_OPTIONS: `--import ${TRACKER}`, MESH_TEST_LOAD_LOG: log }
  })
  started.push(daemon)
  const res = await daemon.client.submit({ capability: 'echo', input: 'hi', timeoutMs: 10_000 })
  assert.equal(res.status, 'completed')
  await daemon.stop()
  return readFileSync(log, 'utf8').split('\n')
}

const a2a = (urls: string[]) => urls.filter((u) => u.includes('/@a2a-js/sdk/') || u.includes('/a2a-server/'))

// The A2A SDK, express and the A2A server cost an idle daemon about 5 MB of
// RSS (bench memory suite); only `--a2a` (or an A2A agent) needs them.
describe('modules an idle daemon does not load', () => {
  const started: TestDaemon[] = []
  after(() => stopAll(started))

  it('does not load the A2A SDK or server without --a2a, and loads them with it', async () => {
    const without = await modulesOfALife([], started)
    assert.ok(
      without.some((u) => u.includes('/@libp2p/kad-dht/')),
      'the tracker saw the daemon load its modules'
    )
    assert.deepEqual(a2a(without), [], 'no A2A module in a daemon started without --a2a')
    const withA2a = await modulesOfALife(['--a2a', '127.0.0.1:0'], started)
    assert.ok(a2a(withA2a).length > 0, 'the A2A server is loaded when --a2a asks for it')
  })
})
