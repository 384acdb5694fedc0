import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { TaskInfo } from '@mesh-node/client'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

/** A `job` agent whose bids say `bidScore`, whatever its load. */
const job = (name: string, bidScore?: number) => ({
  name,
  capabilities: ['job'],
  capacity: 1,
  handler: { kind: 'builtin', name: 'slow', ...(bidScore != null ? { options: { bidScore } } : {}) }
})

describe('an auctioned task', { timeout: 240_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('runs on the agent that won, and only ever on a bidder, also after the auctioneer restarts', async () => {
    const tag = uniqueTag()
    const [auctioneer, bidder] = await Promise.all([
      startTestDaemon({ tag }),
      // Listed first, the low bidder is what "any agent of the winning peer" would pick.
      startTestDaemon({ tag, config: { agents: [job('a-low', 0.1), job('z-high', 0.9)] } })
    ])
    daemons.push(auctioneer, bidder)
    await waitFor(async () => (await auctioneer.client.agents({ capability: 'job' })).length === 2, {
      timeoutMs: 30_000,
      message: "the auctioneer to know both of the bidder's agents"
    })

    const won = await auctioneer.client.auction({ capability: 'job', input: { ms: 10 }, deadlineMs: 3000 })
    assert.equal(won.winner, 'z-high')
    assert.equal(won.status, 'completed', JSON.stringify(won))
    assert.equal(won.agent, 'z-high', 'the agent that bid best ran the task')
    assert.equal(won.executor, bidder.peerId)

    // A long auction: the auctioneer and its only bidder crash mid-run, and a
    // node that never bid is there when the auctioneer comes back.
    const cut = auctioneer.client
      .auction({ capability: 'job', input: { ms: 20_000 }, deadlineMs: 3000, timeoutMs: 120_000 })
      .catch(() => undefined)
    const started = await waitFor(
      async () =>
        (await auctioneer.client.tasks()).find((t) => t.status !== 'completed' && t.attempts.length > 0),
      { timeoutMs: 30_000, message: 'the second auctioned task to start' }
    )
    assert.equal(started.attempts[0]?.executor, bidder.peerId)
    auctioneer.kill('SIGKILL')
    bidder.kill('SIGKILL')
    await Promise.all([auctioneer.exited(), bidder.exited(), cut])
    const outsider = await startTestDaemon({ tag, config: { agents: [job('outsider')] } })
    daemons.push(outsider)
    const restarted = await startTestDaemon({ dataDir: auctioneer.dataDir, tag })
    daemons.push(restarted)
    await waitFor(async () => (await restarted.client.agents({ capability: 'job' })).length > 0, {
      timeoutMs: 30_000,
      message: 'the restarted auctioneer to know the outsider'
    })

    let last: TaskInfo | undefined
    const done = await waitFor(
      async () => {
        last = await restarted.client.task(started.taskId)
        return ['completed', 'failed', 'cancelled'].includes(last.status) ? last : undefined
      },
      { timeoutMs: 90_000, message: () => `the task to end: ${JSON.stringify(last)}` }
    )
    assert.equal(done.status, 'failed', `it did not run anywhere but on a bidder: ${JSON.stringify(done)}`)
    assert.ok(
      done.attempts.every((a) => a.executor === bidder.peerId),
      `only the bidder was tried: ${JSON.stringify(done.attempts)}`
    )
    await assert.rejects(outsider.client.task(started.taskId), /no task/, 'the outsider never had it')
  })
})
