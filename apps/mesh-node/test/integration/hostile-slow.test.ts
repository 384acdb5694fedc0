import assert from 'node:assert/strict'
import { mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { execAgent } from '../helpers/agents.js'
import { startTestDaemon, stopAll, type TestDaemon, tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

/** Longer than a third of the task's 30 s deadline: past the first attempt's timeout of 10 s. */
const SLOW_MS = 12_000
const DEADLINE_MS = 30_000

/**
 * An exec agent that leaves a marker file `<taskId>.<name>` as it starts,
 * then sleeps `input.ms` (or `fixedMs`) and answers. The markers count runs.
 */
function markerAgent(dir: string, name: string, capacity: number, fixedMs?: number) {
  const marks = join(dir, 'marks')
  mkdirSync(marks, { recursive: true })
  const ms = fixedMs ?? 'req.input?.ms ?? 0'
  const command = execAgent(
    dir,
    name,
    `  ;(await import('node:fs')).writeFileSync(${JSON.stringify(marks)} + '/' + req.taskId + '.${name}', '')
  setTimeout(() => process.stdout.write(JSON.stringify({ ran: '${name}' })), ${ms})`
  )
  return { name, capabilities: ['slowjob'], capacity, handler: { kind: 'exec', command } }
}

/**
 * An executor that is slow but alive confirms that it runs the task
 * (task_running), so the origin's per-attempt timeout does not hand the task
 * to the next candidate as well, and the slow peer is not scored down.
 */
describe('a slow honest peer does not run a task twice', { timeout: 300_000 }, () => {
  const dir = tmpDataDir('mesh-slow-')
  const marks = join(dir, 'marks')
  let origin: TestDaemon
  let slow: TestDaemon
  let quick: TestDaemon

  before(async () => {
    const tag = uniqueTag()
    ;[origin, slow, quick] = await Promise.all([
      startTestDaemon({ tag }),
      startTestDaemon({ tag, config: { agents: [markerAgent(dir, 'slowpoke', 1, SLOW_MS)] } }),
      startTestDaemon({ tag, config: { agents: [markerAgent(dir, 'quick', 2)] } })
    ])
    await waitFor(async () => (await origin.client.agents({ capability: 'slowjob' })).length === 2, {
      message: 'the origin to know both agents'
    })
    // One long task holds one of the quick agent's two slots (load 0.5), so the idle
    // slow agent (load 0) is every origin's first choice.
    void origin.noRetryClient
      .submit({ capability: 'slowjob', agent: 'quick', input: { ms: 120_000 }, timeoutMs: 150_000 })
      .catch(() => {})
    await waitFor(
      async () => {
        const agents = await origin.client.agents({ capability: 'slowjob' })
        return (
          agents.some((a) => a.peerId === slow.peerId && a.running === 0) &&
          agents.some((a) => a.peerId === quick.peerId && a.running === 1)
        )
      },
      { message: 'the origin to know the idle slow agent and the half-held quick one' }
    )
  })

  after(async () => {
    await stopAll([origin, slow, quick])
  })

  it('runs exactly once, on the slow peer that took it, with one attempt and no timeout', async () => {
    const started = Date.now()
    const res = await origin.client.submit({
      capability: 'slowjob',
      input: { ms: 10 },
      timeoutMs: DEADLINE_MS
    })
    const elapsed = Date.now() - started
    assert.equal(res.status, 'completed', JSON.stringify(res.error))
    const runs = readdirSync(marks).filter((f) => f.startsWith(`${res.taskId}.`))
    console.log(`slow peer: done in ${elapsed} ms by ${JSON.stringify(res.result)}; runs: ${runs.join(', ')}`)
    // A second run would have started at the attempt timeout (10 s), before this answer (12 s).
    assert.deepEqual(runs, [`${res.taskId}.slowpoke`], 'one run, on the slow agent')
    assert.deepEqual(res.result, { ran: 'slowpoke' })
    assert.equal(res.executor, slow.peerId)
    assert.ok(elapsed >= SLOW_MS, `answered after ${elapsed} ms`)
    const task = await origin.client.task(res.taskId)
    assert.deepEqual(
      task.attempts.map((a) => [a.executor, a.outcome]),
      [[slow.peerId, 'completed']],
      'one attempt: the slow peer was not timed out (so not scored down)'
    )
    assert.doesNotMatch(origin.output(), /within its attempt timeout/)
  })
})
