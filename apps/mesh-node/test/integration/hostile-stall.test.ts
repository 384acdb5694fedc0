import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { at } from '@mesh-node/test-utils'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { createHostilePeer, type HostilePeer } from '../helpers/hostile-peer.js'
import { waitFor } from '../helpers/wait.js'

/**
 * A peer that advertises `echo`, answers pings and gossips like a healthy
 * node, and never answers a task. Tasks must fail over to the honest agents
 * well inside their deadline.
 */
describe('a silent peer cannot stall the mesh', { timeout: 120_000 }, () => {
  let origin: TestDaemon
  let honest1: TestDaemon
  let honest2: TestDaemon
  let rogue: HostilePeer

  before(async () => {
    const tag = uniqueTag()
    // `slow` agents under the `echo` capability, so one long task can hold a slot.
    const echo = (name: string) => ({
      name,
      capabilities: ['echo'],
      capacity: 8,
      handler: { kind: 'builtin', name: 'slow' }
    })
    ;[origin, honest1, honest2] = await Promise.all([
      startTestDaemon({ tag }),
      startTestDaemon({ tag, config: { agents: [echo('e1')] } }),
      startTestDaemon({ tag, config: { agents: [echo('e2')] } })
    ])
    // Advertises a large idle agent, so it is the least loaded candidate.
    rogue = await createHostilePeer({
      agents: [{ agent: 'sink', capabilities: ['echo'], capacity: 1024, running: 0 }]
    })
    for (const d of [origin, honest1, honest2]) await rogue.connect(at((await d.client.id()).addresses, 0))
    // One long task on each honest agent (run there: its own agent is its nearest) holds
    // a slot, load 0.125, so the rogue's idle advert makes it every origin's first choice.
    for (const d of [honest1, honest2])
      void d.noRetryClient
        .submit({ capability: 'echo', input: { ms: 100_000 }, timeoutMs: 110_000 })
        .catch(() => {})
    await waitFor(
      async () => {
        const echo = await origin.client.agents({ capability: 'echo' })
        const held = (p: string) => echo.some((a) => a.peerId === p && a.running === 1)
        return echo.some((a) => a.peerId === rogue.peerId) && held(honest1.peerId) && held(honest2.peerId)
      },
      { message: 'the origin to know the rogue and both half-held honest echo agents' }
    )
  })

  after(async () => {
    await rogue?.stop()
    await stopAll([origin, honest1, honest2])
  })

  it('completes every task on an honest agent inside its deadline, and routes around the rogue after', async () => {
    const deadlineMs = 15_000
    const started = Date.now()
    const results = await Promise.all(
      Array.from({ length: 9 }, (_, i) =>
        origin.client.submit({ capability: 'echo', input: { ms: 5, n: i }, timeoutMs: deadlineMs })
      )
    )
    const elapsed = Date.now() - started
    const asked = rogue.received.filter((r) => r.type === 'task_request').length
    assert.ok(asked >= 1, 'the rogue was tried')
    for (const [i, res] of results.entries()) {
      assert.equal(res.status, 'completed', `task ${i}: ${JSON.stringify(res.error)}`)
      assert.deepEqual(res.result, { slept: 5, input: { ms: 5, n: i } })
      assert.ok([honest1.peerId, honest2.peerId].includes(res.executor ?? ''))
    }
    console.log(`silent peer: 9 tasks done in ${elapsed} ms, ${asked} attempts sent to the rogue`)
    assert.ok(elapsed < deadlineMs / 2, `failover took ${elapsed} ms of a ${deadlineMs} ms deadline`)
    // Each attempt given up on is cancelled on the rogue, as it would stop a slow honest peer.
    const requested = new Set(rogue.received.filter((r) => r.type === 'task_request').map((r) => r.taskId))
    await waitFor(
      () => {
        const cancels = rogue.received.filter((r) => r.type === 'task_cancel' && requested.has(r.taskId))
        return new Set(cancels.map((r) => r.taskId)).size === requested.size
      },
      { timeoutMs: 5_000, message: 'a task_cancel for every task whose attempt on the rogue timed out' }
    )
    for (const c of rogue.received.filter((r) => r.type === 'task_cancel'))
      assert.equal(c.origin, origin.peerId, 'the cancel names the task origin')
    // Scored down: later tasks do not wait on it again.
    const before = rogue.received.length
    const t0 = Date.now()
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await origin.client.submit({ capability: 'echo', input: { ms: 5, n: i }, timeoutMs: deadlineMs }))
          .status,
        'completed'
      )
    }
    assert.ok(Date.now() - t0 < 3_000, `5 more tasks took ${Date.now() - t0} ms`)
    assert.equal(rogue.received.filter((r, j) => j >= before && r.type === 'task_request').length, 0)
  })
})
