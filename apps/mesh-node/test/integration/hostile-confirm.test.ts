import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { at } from '@mesh-node/test-utils'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { createHostilePeer, type HostilePeer } from '../helpers/hostile-peer.js'
import type { RawSession } from '../helpers/raw-peer.js'
import { waitFor } from '../helpers/wait.js'

/**
 * A peer that advertises an idle `echo` agent, confirms every task it is
 * sent (`task_running`, PROTOCOL §5.7) and never answers. A confirmation
 * lifts the attempt timeout, as it must for a slow honest executor, so the
 * task it holds waits for its deadline; but the peer is then left out, so it
 * cannot hold the next ones.
 */
describe('a peer that confirms tasks and never answers holds one deadline, not the mesh', {
  timeout: 120_000
}, () => {
  let origin: TestDaemon
  let honest: TestDaemon
  let rogue: HostilePeer
  const sessions: RawSession[] = []

  before(async () => {
    const tag = uniqueTag()
    const echo = {
      name: 'e',
      capabilities: ['echo'],
      capacity: 8,
      handler: { kind: 'builtin', name: 'slow' }
    }
    ;[origin, honest] = await Promise.all([
      startTestDaemon({ tag }),
      startTestDaemon({ tag, config: { agents: [echo] } })
    ])
    rogue = await createHostilePeer({
      agents: [{ agent: 'sink', capabilities: ['echo'], capacity: 1024, running: 0 }]
    })
    const originAddr = at((await origin.client.id()).addresses, 0)
    for (const d of [origin, honest]) await rogue.connect(at((await d.client.id()).addresses, 0))
    rogue.setHandler(async (request) => {
      if (request.type !== 'task_request') return undefined
      // "Started": the origin stops timing the attempt out; then nothing more, ever.
      const up = await rogue.open(originAddr)
      sessions.push(up)
      up.send({
        type: 'task_running',
        id: `r-${sessions.length}`,
        taskId: request.taskId,
        executor: rogue.peerId
      })
      return undefined
    })
    // One long task holds a slot of the honest agent, so the rogue's idle advert is the first choice.
    void honest.noRetryClient
      .submit({ capability: 'echo', input: { ms: 100_000 }, timeoutMs: 110_000 })
      .catch(() => {})
    await waitFor(
      async () => {
        const agents = await origin.client.agents({ capability: 'echo' })
        return (
          agents.some((a) => a.peerId === rogue.peerId) &&
          agents.some((a) => a.peerId === honest.peerId && a.running === 1)
        )
      },
      { message: 'the origin to know the rogue and the half-held honest agent' }
    )
  })

  after(async () => {
    await rogue?.stop()
    await stopAll([origin, honest])
  })

  it('leaves the peer out after the task it held ran into its deadline', async () => {
    const deadlineMs = 4_000
    const held = await origin.client.submit({
      capability: 'echo',
      input: { ms: 5, n: 0 },
      timeoutMs: deadlineMs
    })
    const sent = rogue.received.filter((r) => r.type === 'task_request').length
    assert.equal(sent, 1, 'the first task went to the rogue')
    assert.notEqual(held.status, 'completed', 'the task it confirmed waited for its deadline')
    const t0 = Date.now()
    const after = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        origin.client.submit({ capability: 'echo', input: { ms: 5, n: i + 1 }, timeoutMs: deadlineMs })
      )
    )
    const elapsed = Date.now() - t0
    const later = rogue.received.filter((r) => r.type === 'task_request').length - sent
    console.log(
      `confirming rogue: first task ${held.status} (${held.error?.code ?? '-'}) at its ${deadlineMs} ms deadline; ` +
        `5 later tasks ${after.map((r) => r.status).join(',')} in ${elapsed} ms, ${later} sent to the rogue`
    )
    for (const res of after) assert.equal(res.status, 'completed', JSON.stringify(res.error))
    for (const res of after) assert.equal(res.executor, honest.peerId)
    assert.equal(later, 0, 'no later task was sent to the rogue')
  })
})
