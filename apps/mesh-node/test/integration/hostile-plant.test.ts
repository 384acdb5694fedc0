import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { at } from '@mesh-node/test-utils'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { createHostilePeer, type HostilePeer } from '../helpers/hostile-peer.js'
import { waitFor } from '../helpers/wait.js'

type Frame = Record<string, unknown>

/**
 * Forged results. The rogue advertises `work` at load 0 while the honest
 * worker sits at load 0.5, so every origin tries the rogue first.
 */
describe('a hostile peer cannot plant results on an executor', { timeout: 120_000 }, () => {
  let origin: TestDaemon
  let honest: TestDaemon
  let rogue: HostilePeer

  before(async () => {
    const tag = uniqueTag()
    const slow = (name: string, capability: string, capacity: number) => ({
      name,
      capabilities: [capability],
      capacity,
      handler: { kind: 'builtin', name: 'slow' }
    })
    ;[origin, honest] = await Promise.all([
      startTestDaemon({ tag, config: { agents: [slow('solo', 'solo', 1)] } }),
      startTestDaemon({ tag, config: { agents: [slow('w', 'work', 2)] } })
    ])
    rogue = await createHostilePeer({
      agents: [{ agent: 'w', capabilities: ['work'], capacity: 4, running: 0 }]
    })
    for (const d of [origin, honest]) await rogue.connect(at((await d.client.id()).addresses, 0))
    // One long task holds one of the honest worker's two slots: load 0.5.
    void honest.client
      .submit({ capability: 'work', input: { ms: 100_000 }, timeoutMs: 110_000 })
      .catch(() => {})
    await waitFor(
      async () => {
        const work = await origin.client.agents({ capability: 'work' })
        return (
          work.some((a) => a.peerId === rogue.peerId) &&
          work.some((a) => a.peerId === honest.peerId && a.running === 1)
        )
      },
      { message: 'the origin to know the rogue and the half-busy honest worker' }
    )
  })

  after(async () => {
    await rogue?.stop()
    await stopAll([origin, honest])
  })

  /** Sends one request from the rogue to a daemon and returns its reply. */
  const ask = async (d: TestDaemon, message: Frame): Promise<Frame> => {
    const session = await rogue.open(at((await d.client.id()).addresses, 0))
    session.send(message)
    return await session.next()
  }

  /**
   * The rogue, sent a task, first runs its own input on the honest worker
   * under the same task id (as `claims(req)` says: which origin, which path),
   * then answers busy, so the origin moves on to the honest worker.
   */
  const plantThenBusy = (claims: (req: Frame) => { from: string; path: string[] }) => {
    let planted = 0
    rogue.setHandler((req) => {
      if (req.type !== 'task_request') return undefined
      planted++
      const reply = {
        type: 'task_result',
        id: req.id,
        taskId: req.taskId,
        status: 'busy',
        path: [...(req.path as string[]), rogue.peerId]
      }
      return new Promise<Frame>((resolve) => {
        ask(honest, {
          type: 'task_request',
          id: `plant-${planted}`,
          taskId: req.taskId,
          capability: 'work',
          input: { ms: 1, forged: true },
          deadline: Date.now() + 10_000,
          hops: 1,
          ...claims(req)
        })
          .catch(() => undefined)
          .finally(() => resolve(reply))
      })
    })
    return () => planted
  }

  const submitOwnInput = async (planted: () => number, n: number) => {
    const res = await origin.client.submit({ capability: 'work', input: { ms: 5, n }, timeoutMs: 20_000 })
    assert.ok(planted() >= 1, 'the origin tried the rogue first')
    assert.equal(res.status, 'completed')
    assert.deepEqual(res.result, { slept: 5, input: { ms: 5, n } }, "the origin's own input ran")
  }

  it("does not hand the origin a result the rogue planted on the executor under the origin's task id", async () => {
    // Claims the origin's `from` on a path that does not start at the origin: refused (bad_path).
    await submitOwnInput(
      plantThenBusy(() => ({ from: origin.peerId, path: [rogue.peerId] })),
      3
    )
  })

  it("keeps the rogue's own task of the same id apart from the origin's", async () => {
    // A well-formed task of the rogue's own under the origin's task id: it runs, as the
    // rogue's, and executions keyed by task id alone would have answered the origin with it.
    await submitOwnInput(
      plantThenBusy(() => ({ from: rogue.peerId, path: [rogue.peerId] })),
      4
    )
  })
})
