import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { startTestDaemon, stopAll, type TestDaemon } from '../helpers/daemon.js'

const echo = { name: 'echo', capabilities: ['echo'], capacity: 4, handler: { kind: 'builtin', name: 'echo' } }

describe('journal retention by size', { timeout: 180_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('prunes the oldest finished tasks once the journal holds more than tasks.retentionMaxBytes', async () => {
    const config = { agents: [echo], tasks: { retentionMaxBytes: 1_048_576 } }
    const first = await startTestDaemon({ config })
    daemons.push(first)
    // 40 tasks of about 80 KB each (40 KB in, the same back): about 3 MB.
    const ids: string[] = []
    for (let i = 0; i < 40; i++) {
      const res = await first.client.submit({ capability: 'echo', input: { i, pad: 'x'.repeat(40_000) } })
      assert.equal(res.status, 'completed', JSON.stringify(res.error))
      ids.push(res.taskId)
    }
    assert.equal((await first.client.tasks({ limit: 100 })).length, 40, 'nothing pruned before the bound')
    await first.stop()

    // The journal is pruned at start (and every few minutes while running).
    const second = await startTestDaemon({ dataDir: first.dataDir, config })
    daemons.push(second)
    const kept = (await second.client.tasks({ limit: 100 })).map((t) => t.taskId)
    assert.ok(kept.length >= 5 && kept.length <= 13, `about 1 MiB of 80 KB tasks is kept, got ${kept.length}`)
    assert.deepEqual(
      [...kept].sort(),
      ids.slice(-kept.length).sort(),
      'the newest tasks are the ones kept, the oldest went first'
    )
    await assert.rejects(second.client.task(ids[0] as string), /no task/)
  })
})
