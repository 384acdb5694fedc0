import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { peerIdFromString } from '@libp2p/peer-id'
import { at } from '@mesh-node/test-utils'
import { startTestDaemon, stopAll, type TestDaemon, tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { createHostilePeer, type HostilePeer } from '../helpers/hostile-peer.js'
import { finished, markerAgent } from '../helpers/marker-agent.js'
import type { RawSession } from '../helpers/raw-peer.js'
import { waitFor } from '../helpers/wait.js'

const RUN_MS = 4_000

/**
 * A forwarder that is lost while the executor it handed the task to runs it
 * (in chaos runs: killed -9 and restarted, with no memory of the task). The
 * origin must ask the executor that the relayed confirmation named: asking
 * the restarted forwarder again would have it route the task anew, to a
 * second executor. The forwarder here is a plain libp2p peer that relays by
 * the documented wire format, confirms, then hangs up on the origin.
 */
describe('a forwarder lost mid-run', { timeout: 120_000 }, () => {
  const marker = markerAgent(tmpDataDir('mesh-fwd-lost-'))
  let origin: TestDaemon
  let executor: TestDaemon
  let forwarder: HostilePeer
  const toExecutor: RawSession[] = []

  before(async () => {
    const tag = uniqueTag()
    ;[origin, executor] = await Promise.all([
      startTestDaemon({ tag }),
      startTestDaemon({ tag, config: marker.config })
    ])
    forwarder = await createHostilePeer({
      agents: [{ agent: 'relay', capabilities: ['once'], capacity: 1024, running: 0 }]
    })
    const originAddr = at((await origin.client.id()).addresses, 0)
    const executorAddr = at((await executor.client.id()).addresses, 0)
    for (const addr of [originAddr, executorAddr]) await forwarder.connect(addr)
    forwarder.setHandler(async (request) => {
      if (request.type === 'task_request') {
        // Passed on as a forwarder does (§6.1): one more hop, itself last on the path.
        const session = await forwarder.open(executorAddr)
        toExecutor.push(session)
        const { acks: _acks, ...rest } = request
        session.send({
          ...rest,
          id: 'fwd',
          hops: (request.hops as number) + 1,
          path: [...(request.path as string[]), forwarder.peerId]
        })
        return undefined
      }
      if (request.type === 'task_running') {
        // Relayed at once to the origin (§5.7), then the forwarder is gone.
        void (async () => {
          const up = await forwarder.open(originAddr)
          up.send({ type: 'task_running', id: 'up', taskId: request.taskId, executor: request.executor })
          await up.next()
          await forwarder.node.hangUp(peerIdFromString(origin.peerId))
        })()
        return { type: 'running_ack', id: request.id, taskId: request.taskId, accepted: true }
      }
      return undefined
    })
    // One long task holds one of the executor's two slots (load 0.5): the forwarder's
    // idle advert makes it the origin's first choice.
    void executor.noRetryClient
      .submit({ capability: 'once', input: { ms: 100_000 }, timeoutMs: 110_000 })
      .catch(() => {})
    await waitFor(
      async () => {
        const agents = await origin.client.agents({ capability: 'once' })
        return (
          agents.some((a) => a.peerId === forwarder.peerId) &&
          agents.some((a) => a.peerId === executor.peerId && a.running === 1)
        )
      },
      { message: 'the origin to know the forwarder and the half-held executor' }
    )
  })

  after(async () => {
    await forwarder?.stop()
    await stopAll([origin, executor])
  })

  it('asks the executor its confirmation named, and the task runs once there', async () => {
    const { taskId } = await origin.client.submitNoWait({
      capability: 'once',
      input: { ms: RUN_MS },
      timeoutMs: 30_000
    })
    const task = await finished(origin, taskId, 30_000)
    assert.equal(task.status, 'completed', JSON.stringify(task.error))
    assert.equal(task.executor, executor.peerId)
    assert.deepEqual(marker.runs(taskId), ['attempt 1'], 'one run, on the executor')
    const asked = forwarder.received.filter((r) => r.type === 'task_request' && r.taskId === taskId)
    assert.equal(asked.length, 1, 'the lost forwarder was not asked again')
    assert.deepEqual(
      task.attempts.map((a) => a.executor),
      [forwarder.peerId],
      'one attempt: the task was never handed to another candidate'
    )
  })
})
