import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { TaskInfo } from '@mesh-node/client'
import { at } from '@mesh-node/test-utils'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

const slow = (name: string, capability = 'work') => ({
  name,
  capabilities: [capability],
  capacity: 1,
  handler: { kind: 'builtin', name: 'slow' }
})

async function knows(d: TestDaemon, peerId: string, capability: string): Promise<void> {
  await waitFor(async () => (await d.client.agents({ capability })).some((a) => a.peerId === peerId), {
    message: `${d.peerId} to know ${peerId}'s ${capability} agent`
  })
}

describe('an executor killed mid-task', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('completes the task on another agent, records both attempts, and drops the dead agent within 5 s', async () => {
    const tag = uniqueTag()
    const [origin, b, c] = await Promise.all([
      startTestDaemon({ tag }),
      startTestDaemon({ tag, config: { agents: [slow('wb')] } }),
      startTestDaemon({ tag, config: { agents: [slow('wc')] } })
    ])
    daemons.push(origin, b, c)
    await knows(origin, b.peerId, 'work')
    await knows(origin, c.peerId, 'work')

    const submitted = await origin.cli([
      'submit',
      '--capability',
      'work',
      '--input',
      '{"ms": 3000}',
      '--no-wait',
      '--json'
    ])
    assert.equal(submitted.code, 0, submitted.stderr)
    const { taskId } = JSON.parse(submitted.stdout) as { taskId: string }
    const running = await waitFor(
      async () => {
        const t = await origin.client.task(taskId)
        return t.attempts.length === 1 && at(t.attempts, 0).outcome == null ? t : undefined
      },
      { message: 'the task to be assigned' }
    )
    const victim = at(running.attempts, 0).executor === b.peerId ? b : c
    const survivor = victim === b ? c : b
    victim.kill('SIGKILL')
    const killedAt = Date.now()

    await waitFor(async () => !(await origin.client.agents()).some((a) => a.peerId === victim.peerId), {
      timeoutMs: 5000,
      message: 'the dead agent to leave the agents view'
    })
    await waitFor(async () => !(await origin.client.peers()).some((p) => p.peerId === victim.peerId), {
      timeoutMs: Math.max(1, 5000 - (Date.now() - killedAt)),
      message: 'the dead node to leave the peers view'
    })

    const done: TaskInfo = await waitFor(
      async () => {
        const t = await origin.client.task(taskId)
        return t.status === 'completed' ? t : undefined
      },
      { timeoutMs: 30_000, message: 'the task to complete elsewhere' }
    )
    assert.equal(done.executor, survivor.peerId)
    assert.ok(done.attempts.length >= 2, JSON.stringify(done.attempts))
    assert.equal(at(done.attempts, 0).executor, victim.peerId)
    assert.equal(at(done.attempts, 0).outcome, 'lost')
    const last = at(done.attempts, done.attempts.length - 1)
    assert.deepEqual([last.executor, last.outcome], [survivor.peerId, 'completed'])
    const shown = await origin.cli(['task', taskId])
    assert.match(shown.stdout, /attempt 1 +\S+ +lost/)
  })
})

describe('an origin killed with queued and running tasks', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('resumes them after a restart: nothing is missing and everything finishes', async () => {
    const tag = uniqueTag()
    const [origin, worker] = await Promise.all([
      startTestDaemon({ tag }),
      startTestDaemon({ tag, config: { agents: [{ ...slow('w'), capacity: 4 }] } })
    ])
    daemons.push(origin, worker)
    await knows(origin, worker.peerId, 'work')

    const submit = async (args: string[]): Promise<string> => {
      const res = await origin.cli(['submit', '--no-wait', '--json', ...args])
      assert.equal(res.code, 0, res.stderr)
      return (JSON.parse(res.stdout) as { taskId: string }).taskId
    }
    const running = await submit(['--capability', 'work', '--input', '{"ms": 1500}'])
    const quick = await submit(['--capability', 'work', '--input', '{"ms": 1}'])
    const queued = await submit(['--capability', 'later', '--input', '"wait for me"', '--queue'])
    await waitFor(async () => (await origin.client.task(running)).attempts.length === 1, {
      message: 'the long task to be assigned'
    })
    assert.equal((await origin.client.task(queued)).status, 'queued')

    origin.kill('SIGKILL')
    await origin.exited()
    const restarted = await startTestDaemon({ dataDir: origin.dataDir, tag })
    daemons.push(restarted)

    const ids = (await restarted.client.tasks()).map((t) => t.taskId)
    for (const id of [running, quick, queued]) assert.ok(ids.includes(id), `task ${id} survived the crash`)
    for (const id of [running, quick]) {
      let last: unknown
      await waitFor(
        async () => {
          const t = await restarted.client.task(id)
          last = t
          return t.status === 'completed'
        },
        { timeoutMs: 30_000, message: () => `${id} to complete: ${JSON.stringify(last)}` }
      )
    }
    assert.equal(
      (await restarted.client.task(queued)).status,
      'queued',
      'still waiting: no agent can run it yet'
    )

    const late = await startTestDaemon({
      tag,
      config: {
        agents: [
          { name: 'late', capabilities: ['later'], capacity: 1, handler: { kind: 'builtin', name: 'echo' } }
        ]
      }
    })
    daemons.push(late)
    const done = await waitFor(
      async () => {
        const t = await restarted.client.task(queued)
        return t.status === 'completed' ? t : undefined
      },
      { timeoutMs: 30_000, message: 'the queued task to run once a capable agent joins' }
    )
    assert.equal(done.result, 'wait for me')
    assert.equal(done.executor, late.peerId)
  })
})

describe('submit options and cancel', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('cancels a queued task, and reports an unknown one clearly', async () => {
    const d = await startTestDaemon()
    daemons.push(d)
    const res = await d.cli(['submit', '--capability', 'nobody.has.this', '--queue', '--no-wait'])
    assert.equal(res.code, 0, res.stderr)
    const taskId = res.stdout.trim()
    assert.equal((await d.client.task(taskId)).status, 'queued')
    const cancel = await d.cli(['cancel', taskId, '--json'])
    assert.equal(cancel.code, 0, cancel.stderr)
    assert.equal(JSON.parse(cancel.stdout).status, 'cancelled')
    assert.equal((await d.client.task(taskId)).status, 'cancelled')
    const missing = await d.cli(['cancel', 'no-such-task'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /no task no-such-task/)
  })
})

describe('a node stopped with SIGSTOP', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    for (const d of daemons) d.kill('SIGCONT')
    await stopAll(daemons)
  })

  it('is suspected, declared dead, and comes back after SIGCONT; a busy node is never removed', async () => {
    const tag = uniqueTag()
    const dir = (await import('../helpers/daemon.js')).tmpDataDir()
    const spin = (await import('../helpers/agents.js')).execAgent(
      dir,
      'spin',
      '  const end = Date.now() + req.input.ms\n  while (Date.now() < end) {}\n  process.stdout.write(JSON.stringify({ spun: req.input.ms }))'
    )
    const [watcher, sleeper, busy] = await Promise.all([
      startTestDaemon({ tag }),
      startTestDaemon({ tag, config: { agents: [{ ...slow('s', 'sleepy') }] } }),
      startTestDaemon({
        tag,
        config: {
          agents: [
            { name: 'spin', capabilities: ['spin'], capacity: 2, handler: { kind: 'exec', command: spin } }
          ]
        }
      })
    ])
    daemons.push(watcher, sleeper, busy)
    await knows(watcher, sleeper.peerId, 'sleepy')
    await knows(watcher, busy.peerId, 'spin')

    const events: Array<{ type: string; peerId?: string }> = []
    const stop = new AbortController()
    const following = (async () => {
      for await (const e of watcher.client.events({ signal: stop.signal }))
        events.push(e as { type: string; peerId?: string })
    })()
    // Keep the busy node's agents spinning the CPU through the whole episode.
    const spinning = Promise.all(
      [0].map(
        async () =>
          await watcher.client.submit({ capability: 'spin', input: { ms: 9000 }, timeoutMs: 30_000 })
      )
    )

    sleeper.kill('SIGSTOP')
    await waitFor(() => events.some((e) => e.type === 'peer_suspect' && e.peerId === sleeper.peerId), {
      timeoutMs: 15_000,
      message: 'suspicion'
    })
    await waitFor(() => events.some((e) => e.type === 'peer_dead' && e.peerId === sleeper.peerId), {
      timeoutMs: 15_000,
      message: 'death'
    })
    await waitFor(async () => !(await watcher.client.agents()).some((a) => a.peerId === sleeper.peerId), {
      message: 'removal from the agents view'
    })

    sleeper.kill('SIGCONT')
    await waitFor(() => events.some((e) => e.type === 'peer_alive' && e.peerId === sleeper.peerId), {
      timeoutMs: 20_000,
      message: 'the stopped node to come back'
    })
    await knows(watcher, sleeper.peerId, 'sleepy')

    const spun = await spinning
    for (const r of spun) assert.equal(r.status, 'completed', JSON.stringify(r.error))
    stop.abort()
    await following
    const busyMarks = events.filter(
      (e) => e.peerId === busy.peerId && (e.type === 'peer_dead' || e.type === 'peer_suspect')
    )
    assert.deepEqual(busyMarks, [], 'the busy node was never suspected')
  })
})

describe('state convergence', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('brings every node to the same state digest after a change', async () => {
    const tag = uniqueTag()
    daemons.push(
      ...(await Promise.all([
        startTestDaemon({ tag, config: { agents: [slow('a1')] } }),
        startTestDaemon({ tag, config: { agents: [slow('b1', 'other')] } }),
        startTestDaemon({ tag })
      ]))
    )
    const converged = async (): Promise<string | undefined> => {
      const digests = await Promise.all(daemons.map(async (d) => (await d.client.status()).digest))
      return digests.every((x) => x === digests[0]) ? digests[0] : undefined
    }
    const before = await waitFor(converged, { timeoutMs: 15_000, message: 'the first convergence' })
    const joiner = await startTestDaemon({ tag, config: { agents: [slow('c1', 'third')] } })
    daemons.push(joiner)
    const afterJoin = await waitFor(converged, { timeoutMs: 15_000, message: 'convergence after a join' })
    assert.notEqual(afterJoin, before)
    const status = await joiner.cli(['status', '--json'])
    assert.equal(JSON.parse(status.stdout).digest, afterJoin)
  })
})
