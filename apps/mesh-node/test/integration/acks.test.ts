import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { startTestDaemon, stopAll, type TestDaemon, tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { finished, markerAgent } from '../helpers/marker-agent.js'
import { waitFor } from '../helpers/wait.js'

/** Results a daemon holds in its outbox for an origin that did not take them (`mesh_journal_rows{kind="outbox"}`). */
async function heldResults(d: TestDaemon): Promise<number> {
  const token = readFileSync(join(d.dataDir, 'api.token'), 'utf8').trim()
  const res = await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(res.status, 200)
  return Number(/^mesh_journal_rows\{kind="outbox"\} (\d+)$/m.exec(await res.text())?.[1] ?? 0)
}

/** An origin and two executors of `once`: a second run would have somewhere to go. */
async function mesh(daemons: TestDaemon[], prefix: string) {
  const tag = uniqueTag()
  const agent = markerAgent(tmpDataDir(prefix))
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
  const runningOn = async (taskId: string): Promise<string> =>
    await waitFor(
      async () => {
        const attempt = (await origin.client.task(taskId)).attempts[0]
        return attempt != null && agent.runs(taskId).length > 0 ? attempt.executor : undefined
      },
      { message: 'the task to start running' }
    )
  return { agent, origin, executors: [first, second], runningOn }
}

describe('a lost session is not a lost executor (message set 1.6)', { timeout: 240_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('peers disconnect mid-run, again and again for 1 s: the task completes, run once', async () => {
    const { agent, origin, runningOn } = await mesh(daemons, 'mesh-acks-drop-')
    const unknown = await origin.cli(['peers', 'disconnect', '12D3KooWNotAPeerOfThisMesh'])
    assert.notEqual(unknown.code, 0)
    assert.match(unknown.stderr, /no connected peer is .*mesh-node peers --no-trunc/)
    const { taskId } = await origin.client.submitNoWait({
      capability: 'once',
      input: { ms: 4000 },
      timeoutMs: 60_000
    })
    const sentTo = await runningOn(taskId)
    // Past CONFIRM_AFTER_MS (100 ms): the origin has the running confirmation (§5.7).
    await waitFor(() => agent.runningFor(taskId) > 600, { message: 'the run to be confirmed' })
    const first = await origin.cli(['peers', 'disconnect', sentTo, '--json'])
    assert.equal(first.code, 0, first.stderr)
    assert.deepEqual(JSON.parse(first.stdout).disconnected, true)
    // Every reconnection (and every re-ask on it) is cut for 1 s: past the transport retries.
    const cutUntil = Date.now() + 1000
    while (Date.now() < cutUntil) {
      await origin.client.disconnectPeer(sentTo).catch(() => undefined)
    }
    const done = await finished(origin, taskId, 60_000)
    assert.equal(done.status, 'completed', JSON.stringify(done.error))
    assert.equal(done.executor, sentTo)
    assert.deepEqual(agent.runs(taskId), ['attempt 1'], 'the task ran exactly once')
  })

  it('retry never, executor killed mid-run: fails executor_lost, never runs on the other', async () => {
    const { agent, origin, executors, runningOn } = await mesh(daemons, 'mesh-acks-never-')
    const { taskId } = await origin.client.submitNoWait({
      capability: 'once',
      input: { ms: 4000 },
      timeoutMs: 60_000,
      retry: 'never'
    })
    const sentTo = await runningOn(taskId)
    const executor = executors.find((d) => d.peerId === sentTo)
    assert.ok(executor != null)
    // Past CONFIRM_AFTER_MS (100 ms): the origin has the running confirmation (§5.7).
    await waitFor(() => agent.runningFor(taskId) > 600, { message: 'the run to be confirmed' })
    executor.kill('SIGKILL')
    await executor.exited()
    const failed = await finished(origin, taskId, 60_000)
    assert.equal(failed.status, 'failed')
    assert.equal(failed.error?.code, 'executor_lost', JSON.stringify(failed.error))
    assert.deepEqual(agent.runs(taskId), ['attempt 1'], 'the task ran exactly once, on one executor')
  })

  it('a result written to an origin that never reads it is held, and delivered after the origin is killed and restarted', async () => {
    const { agent, origin, executors, runningOn } = await mesh(daemons, 'mesh-acks-held-')
    const { taskId } = await origin.client.submitNoWait({
      capability: 'once',
      input: { ms: 1500 },
      timeoutMs: 90_000
    })
    const sentTo = await runningOn(taskId)
    const executor = executors.find((d) => d.peerId === sentTo)
    assert.ok(executor != null)
    await waitFor(() => agent.runningFor(taskId) > 600, { message: 'the run to be confirmed' })
    // The origin stops reading: the executor's answer goes into a socket nobody reads, and no ack comes back.
    origin.kill('SIGSTOP')
    try {
      await waitFor(async () => (await heldResults(executor)) >= 1, {
        timeoutMs: 30_000,
        message: 'the executor to hold the unacknowledged result in its outbox'
      })
    } finally {
      origin.kill('SIGKILL')
    }
    await origin.exited()
    const restarted = await startTestDaemon({ tag: origin.tag, dataDir: origin.dataDir })
    daemons.push(restarted)
    const done = await finished(restarted, taskId, 60_000)
    assert.equal(done.status, 'completed', JSON.stringify(done.error))
    assert.deepEqual(done.result, { attempt: '1', seen: 1 })
    assert.equal(done.executor, sentTo)
    assert.deepEqual(agent.runs(taskId), ['attempt 1'], 'the task ran exactly once')
    await waitFor(async () => (await heldResults(executor)) === 0, {
      message: 'the executor to drop the result once the origin acknowledged it'
    })
    // The pushed result verified against the attempt's token, journaled before the kill: not taken for a forgery.
    const status = await restarted.cli(['status', '--json'])
    assert.equal(status.code, 0, status.stderr)
    const rejected: Record<string, number> = JSON.parse(status.stdout).rejectedResults
    assert.ok(
      Object.values(rejected).every((n) => n === 0),
      `no result rejected after the restart: ${JSON.stringify(rejected)}`
    )
  })
})
