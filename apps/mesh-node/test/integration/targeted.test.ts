import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { TaskResult } from '@mesh-node/client'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

const echo = (name: string) => ({
  name,
  capabilities: ['echo'],
  capacity: 4,
  handler: { kind: 'builtin', name: 'echo' }
})
const slow = (name: string) => ({
  name,
  capabilities: ['slow'],
  capacity: 2,
  handler: { kind: 'builtin', name: 'slow' }
})

/** `submit --agent` / `--peer`: the task runs on the named agent or nowhere. */
describe('tasks sent to one agent', { timeout: 300_000 }, () => {
  let origin: TestDaemon
  let a: TestDaemon
  let b: TestDaemon

  before(async () => {
    const tag = uniqueTag()
    // The origin has an echo agent of its own: an untargeted task runs there
    // (local, least loaded), so a task that reaches a named remote agent shows the target was honoured.
    ;[origin, a, b] = await Promise.all([
      startTestDaemon({ tag, config: { agents: [echo('omega'), slow('slow-o')] } }),
      startTestDaemon({ tag, config: { agents: [echo('alpha'), slow('slow-a')] } }),
      startTestDaemon({ tag, config: { agents: [echo('beta'), echo('gamma'), slow('slow-b')] } })
    ])
    await waitFor(async () => (await origin.client.agents({ capability: 'echo' })).length === 4, {
      timeoutMs: 30_000,
      message: 'the origin to see all four echo agents'
    })
  })

  after(async () => {
    await stopAll([origin, a, b])
  })

  const submitCli = async (args: string[]): Promise<TaskResult> => {
    const res = await origin.cli(['submit', '--capability', 'echo', '--input', '"hi"', '--json', ...args])
    assert.equal(res.code, 0, res.stderr)
    return JSON.parse(res.stdout) as TaskResult
  }

  it('runs an untargeted task on the origin itself (the baseline the targets must beat)', async () => {
    const res = await submitCli([])
    assert.equal(res.executor, origin.peerId)
    assert.equal(res.agent, 'omega')
  })

  it('sends 10 tasks with --agent beta to beta on B only, never gamma beside it', async () => {
    const results: TaskResult[] = []
    for (let round = 0; round < 2; round++)
      results.push(
        ...(await Promise.all(Array.from({ length: 5 }, async () => await submitCli(['--agent', 'beta']))))
      )
    assert.equal(results.length, 10)
    for (const r of results) {
      assert.equal(r.status, 'completed')
      assert.equal(r.result, 'hi')
      assert.equal(r.executor, b.peerId)
      assert.equal(r.agent, 'beta')
    }
    const records = await Promise.all(results.map(async (r) => await origin.client.task(r.taskId)))
    for (const t of records) {
      assert.deepEqual(
        t.attempts.map((x) => x.executor),
        [b.peerId],
        'one attempt, on B'
      )
      assert.equal(t.agent, 'beta')
    }
  })

  it('takes NAME@PEER with a peer-id prefix, --peer alone, and the client', async () => {
    const gamma = await submitCli(['--agent', `gamma@${b.peerId.slice(0, 16)}`])
    assert.equal(gamma.executor, b.peerId)
    assert.equal(gamma.agent, 'gamma')
    const onA = await submitCli(['--peer', a.peerId.slice(0, 20)])
    assert.equal(onA.executor, a.peerId)
    assert.equal(onA.agent, 'alpha')
    const viaClient = await origin.client.submit({
      capability: 'echo',
      input: 'x',
      agent: `alpha@${a.peerId}`
    })
    assert.equal(viaClient.status, 'completed')
    assert.equal(viaClient.executor, a.peerId)
    assert.equal(viaClient.agent, 'alpha')
  })

  it('fails at once, exit code 1, for an agent or peer nobody knows', async () => {
    const unknown = await origin.cli(['submit', '--capability', 'echo', '--agent', 'nobody'])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /unknown_agent/)
    assert.match(unknown.stderr, /no agent named nobody with capability echo/)
    assert.match(unknown.stderr, /mesh-node agents --capability echo/)
    const wrongPlace = await origin.cli(['submit', '--capability', 'echo', '--agent', `alpha@${b.peerId}`])
    assert.equal(wrongPlace.code, 1)
    assert.match(wrongPlace.stderr, /unknown_agent/)
    const noPeer = await origin.cli(['submit', '--capability', 'echo', '--peer', '12D3KooWnobodyHere'])
    assert.equal(noPeer.code, 1)
    assert.match(noPeer.stderr, /unknown_peer/)
    assert.equal(
      (await origin.client.tasks()).filter((t) => t.status !== 'completed').length,
      0,
      'nothing accepted'
    )
  })

  it('fails a task whose agent dies mid-run, and runs it nowhere else; later ones are refused', async () => {
    await waitFor(async () => (await origin.client.agents({ capability: 'slow' })).length === 3, {
      message: 'the three slow agents'
    })
    const { taskId } = await origin.client.submitNoWait({
      capability: 'slow',
      input: { ms: 60_000 },
      agent: `slow-b@${b.peerId}`,
      timeoutMs: 90_000
    })
    await waitFor(
      async () => (await b.client.agents({ capability: 'slow' })).some((x) => x.local && x.running === 1),
      { message: 'the task running on B' }
    )
    b.kill('SIGKILL')
    await b.exited()
    const done = await waitFor(
      async () => {
        const t = await origin.client.task(taskId)
        return t.status === 'failed' || t.status === 'completed' ? t : undefined
      },
      { timeoutMs: 30_000, message: 'the task to fail once B is gone' }
    )
    assert.equal(done.status, 'failed')
    assert.equal(done.error?.code, 'target_unreachable', done.error?.message)
    assert.match(done.error?.message ?? '', /did not run anywhere else/)
    assert.deepEqual([...new Set(done.attempts.map((x) => x.executor))], [b.peerId], 'every attempt was on B')
    for (const d of [origin, a])
      assert.ok(
        (await d.client.agents({ capability: 'slow' })).every((x) => !x.local || x.running === 0),
        'no slow agent elsewhere picked it up'
      )
    assert.equal((await a.client.tasks()).filter((t) => t.taskId === taskId).length, 0, 'A never saw it')

    let code: string
    try {
      const res = await origin.client.submit({ capability: 'echo', input: 'late', agent: `beta@${b.peerId}` })
      assert.equal(res.status, 'failed')
      assert.equal(res.executor ?? null, null)
      code = res.error?.code ?? ''
    } catch (err) {
      // The origin has usually dropped B from its registry by now: the API refuses at once.
      code = (err as { code?: string }).code ?? String(err)
    }
    assert.ok(
      ['unknown_peer', 'unknown_agent', 'agent_gone', 'target_unreachable'].includes(code),
      `a clear failure, got ${code}`
    )
  })
})
