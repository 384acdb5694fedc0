import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { at } from '@mesh-node/test-utils'
import { startTestDaemon, stopAll, type TestDaemon, tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { markerAgent } from '../helpers/marker-agent.js'
import { createRawPeer, type RawPeer } from '../helpers/raw-peer.js'
import { waitFor } from '../helpers/wait.js'

/**
 * A repeat of a task (same from, taskId; PROTOCOL §6.4) gets the first run's
 * answer, also through a forwarder: the forwarder keeps no answer of its own
 * (the executor's record has it), so it must send the repeat back to that
 * executor rather than wherever routing would pick now. In chaos runs, an
 * origin restarted mid-task re-sends to the peer it journaled, often a
 * forwarder, and the task ran a second time on another agent.
 */
describe('a repeat through a forwarder', { timeout: 120_000 }, () => {
  const first = markerAgent(tmpDataDir('mesh-relay-e-'))
  const second = markerAgent(tmpDataDir('mesh-relay-f-'))
  const daemons: TestDaemon[] = []
  let raw: RawPeer | undefined

  after(async () => {
    await raw?.stop()
    await stopAll(daemons)
  })

  it('is answered from the executor that ran the task, and runs nowhere else', async () => {
    const tag = uniqueTag()
    const [executor, relay] = await Promise.all([
      startTestDaemon({ tag, config: first.config }),
      startTestDaemon({ tag })
    ])
    daemons.push(executor, relay)
    await waitFor(async () => (await relay.client.agents({ capability: 'once' })).length === 1, {
      message: 'the relay to know the executor'
    })
    // A plain libp2p peer is the origin; the relay has no agent of its own and forwards.
    raw = await createRawPeer()
    const session = await raw.open(at((await relay.client.id()).addresses, 0))
    const taskId = `t-${Math.random().toString(36).slice(2)}`
    const request = {
      type: 'task_request',
      id: 'r1',
      taskId,
      capability: 'once',
      input: { ms: 10 },
      from: raw.peerId,
      deadline: Date.now() + 60_000,
      hops: 0,
      path: [raw.peerId]
    }
    session.send(request)
    const answer = await session.next(30_000)
    assert.equal(answer.status, 'completed', JSON.stringify(answer.error))
    assert.equal(answer.executor, executor.peerId)

    // Now a second, idle agent joins and the executor is half held: routing alone would pick the newcomer.
    const other = await startTestDaemon({ tag, config: second.config })
    daemons.push(other)
    void executor.noRetryClient
      .submit({ capability: 'once', input: { ms: 100_000 }, timeoutMs: 110_000 })
      .catch(() => {})
    await waitFor(
      async () => {
        const agents = await relay.client.agents({ capability: 'once' })
        return (
          agents.some((a) => a.peerId === other.peerId && a.running === 0) &&
          agents.some((a) => a.peerId === executor.peerId && a.running === 1)
        )
      },
      { message: 'the relay to know the idle newcomer and the half-held executor' }
    )

    session.send({ ...request, id: 'r2' })
    const repeat = await session.next(30_000)
    assert.equal(repeat.id, 'r2')
    assert.equal(repeat.status, 'completed', JSON.stringify(repeat.error))
    assert.equal(repeat.executor, executor.peerId, 'the repeat was answered by the first executor')
    assert.deepEqual(first.runs(taskId), ['attempt 1'], 'one run, the first')
    assert.deepEqual(second.runs(taskId), [], 'the newcomer never ran it')
  })
})
