import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { startTestDaemon, stopAll, type TestDaemon, tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { finished, markerAgent } from '../helpers/marker-agent.js'
import { waitFor } from '../helpers/wait.js'

describe('once-semantics on an executor that crashes mid-run', { timeout: 240_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('kill -9 of the executor: retry never fails interrupted (or executor_lost) after one run; idempotent runs attempt 2', async () => {
    const tag = uniqueTag()
    const dir = tmpDataDir('mesh-once-')
    const agent = markerAgent(dir)
    const [executor, origin] = await Promise.all([
      startTestDaemon({ tag, config: agent.config }),
      startTestDaemon({ tag })
    ])
    daemons.push(executor, origin)
    await waitFor(async () => (await origin.client.agents({ capability: 'once' })).length > 0, {
      timeoutMs: 30_000,
      message: 'the origin to know the executor'
    })
    // Queued, so the origin waits for the executor's return instead of failing no_agent.
    const submit = async (retry: 'never' | 'idempotent') =>
      (
        await origin.client.submitNoWait({
          capability: 'once',
          input: { ms: 3000 },
          timeoutMs: 120_000,
          queue: true,
          retry
        })
      ).taskId
    const never = await submit('never')
    const idempotent = await submit('idempotent')
    await waitFor(() => agent.runs(never).length > 0 && agent.runs(idempotent).length > 0, {
      message: 'both tasks to start running on the executor'
    })
    executor.kill('SIGKILL')
    await executor.exited()
    const restarted = await startTestDaemon({ tag, dataDir: executor.dataDir })
    daemons.push(restarted)

    const failed = await finished(origin, never, 90_000)
    assert.equal(failed.status, 'failed')
    // `interrupted` when the restarted executor answers the re-ask, `executor_lost` when the
    // failure detector declared it dead first (PROTOCOL §5.8): both final, neither a second run.
    assert.ok(
      ['interrupted', 'executor_lost'].includes(failed.error?.code ?? ''),
      JSON.stringify(failed.error)
    )
    const done = await finished(origin, idempotent, 90_000)
    assert.equal(done.status, 'completed', JSON.stringify(done.error))
    assert.deepEqual(done.result, { attempt: '2', seen: 2 })
    assert.deepEqual(agent.runs(never), ['attempt 1'], 'the never task ran exactly once')
    assert.deepEqual(agent.runs(idempotent), ['attempt 1', 'attempt 2'])
    assert.equal((await origin.client.task(never)).retry, 'never')
  })

  it('kill -9 of the origin 0.2 s into a run: after its restart the task completes, run once', async () => {
    const tag = uniqueTag()
    const agent = markerAgent(tmpDataDir('mesh-once-origin-'))
    const [first, second, origin] = await Promise.all([
      startTestDaemon({ tag, config: agent.config }),
      startTestDaemon({ tag, config: agent.config }),
      startTestDaemon({ tag })
    ])
    daemons.push(first, second, origin)
    await waitFor(async () => (await origin.client.agents({ capability: 'once' })).length === 2, {
      timeoutMs: 30_000,
      message: 'the origin to know both executors'
    })
    const { taskId } = await origin.client.submitNoWait({
      capability: 'once',
      input: { ms: 2000 },
      timeoutMs: 60_000
    })
    const sentTo = await waitFor(
      async () => {
        const attempt = (await origin.client.task(taskId)).attempts[0]
        return attempt != null && agent.runs(taskId).length > 0 ? attempt.executor : undefined
      },
      { message: 'the task to start running' }
    )
    origin.kill('SIGKILL')
    await origin.exited()
    const executor = [first, second].find((d) => d.peerId === sentTo)
    const other = [first, second].find((d) => d.peerId !== sentTo)
    assert.ok(executor != null && other != null, 'the task went to one of the executors')
    // The executor is slow to be found again (stopped), while the other is at hand:
    // the restarted origin must wait for the executor it sent the task to.
    executor.kill('SIGSTOP')
    try {
      const restarted = await startTestDaemon({ tag, dataDir: origin.dataDir })
      daemons.push(restarted)
      await waitFor(
        async () =>
          (await restarted.client.agents({ capability: 'once' })).some((a) => a.peerId === other.peerId),
        { timeoutMs: 30_000, message: 'the restarted origin to know the other executor' }
      )
      executor.kill('SIGCONT')
      const done = await finished(restarted, taskId, 60_000)
      assert.equal(done.status, 'completed', JSON.stringify(done.error))
      assert.deepEqual(done.result, { attempt: '1', seen: 1 })
      assert.equal(done.executor, sentTo)
      assert.deepEqual(agent.runs(taskId), ['attempt 1'], 'the task ran exactly once')
    } finally {
      executor.kill('SIGCONT')
    }
  })
})
