import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { TaskInfo } from '@mesh-node/client'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

const slow = { name: 'slow', capabilities: ['work'], capacity: 2, handler: { kind: 'builtin', name: 'slow' } }

describe('a task deadline', { timeout: 180_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('is fixed at acceptance: an origin restart does not give the task a fresh timeout', async () => {
    const tag = uniqueTag()
    const [origin, first, second] = await Promise.all([
      startTestDaemon({ tag }),
      startTestDaemon({ tag, config: { agents: [slow] } }),
      startTestDaemon({ tag, config: { agents: [slow] } })
    ])
    daemons.push(origin, first, second)
    await waitFor(async () => (await origin.client.agents({ capability: 'work' })).length === 2, {
      timeoutMs: 30_000,
      message: 'the origin to know both workers'
    })
    const timeoutMs = 30_000
    const { taskId } = await origin.client.submitNoWait({
      capability: 'work',
      input: { ms: 300_000 },
      timeoutMs
    })
    const accepted = await waitFor(
      async () => {
        const t = await origin.client.task(taskId)
        return t.attempts.length > 0 ? t : undefined
      },
      { message: 'the task to be sent to the worker' }
    )
    // A third of the way through, the origin and the executor crash; the origin comes back
    // and sends the task to the other worker, with what is left of its deadline.
    await waitFor(() => Date.now() - accepted.createdAt >= 10_000, { timeoutMs: 30_000 })
    const executor = [first, second].find((w) => w.peerId === accepted.attempts[0]?.executor)
    assert.ok(executor != null, 'the task went to one of the workers')
    executor.kill('SIGKILL')
    origin.kill('SIGKILL')
    await Promise.all([origin.exited(), executor.exited()])
    const restarted = await startTestDaemon({ dataDir: origin.dataDir, tag })
    daemons.push(restarted)

    let last: TaskInfo | undefined
    const done = await waitFor(
      async () => {
        last = await restarted.client.task(taskId)
        return last.status === 'failed' ? last : undefined
      },
      { timeoutMs: 90_000, message: () => `the task to fail: ${JSON.stringify(last)}` }
    )
    // The origin's clock or the executor's (it was given the same deadline) ends it.
    assert.ok(['timeout', 'handler_timeout'].includes(done.error?.code ?? ''), JSON.stringify(done.error))
    const took = done.updatedAt - done.createdAt
    // A reset deadline would give the second worker 30 s from the restart (>= 40 s after acceptance).
    assert.ok(took <= timeoutMs + 8000, `failed ${took} ms after acceptance, deadline was ${timeoutMs} ms`)
    assert.ok(took >= timeoutMs - 1000, `failed ${took} ms after acceptance, not before its deadline`)
  })
})
