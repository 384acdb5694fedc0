import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { TestDaemon } from '../helpers/daemon.js'
import type { HostilePeer } from '../helpers/hostile-peer.js'
import { type Frame, type RogueWorkerMesh, startRogueWorkerMesh } from '../helpers/rogue-worker.js'

/**
 * Forged results. The rogue advertises `work` at load 0 while the honest
 * worker sits at load 0.5, so every origin tries the rogue first.
 */
describe('a hostile peer cannot plant results on an executor', { timeout: 120_000 }, () => {
  let mesh: RogueWorkerMesh | undefined
  let origin: TestDaemon
  let honest: TestDaemon
  let rogue: HostilePeer

  before(async () => {
    mesh = await startRogueWorkerMesh()
    ;({ origin, honest, rogue } = mesh)
  })

  after(async () => {
    await mesh?.stop()
  })

  const ask = async (d: TestDaemon, message: Frame): Promise<Frame> =>
    await (mesh as RogueWorkerMesh).ask(d, message)

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

  it("keeps a rogue posing as the origin's forwarder apart from the origin's own task", async () => {
    // path = [origin, rogue] passes every path check; only the origin's signature of its
    // task (osig, message set 1.7) tells the origin's own request from this claim to it.
    await submitOwnInput(
      plantThenBusy(() => ({ from: origin.peerId, path: [origin.peerId, rogue.peerId] })),
      5
    )
  })

  it('refuses a request whose origin signature does not verify', async () => {
    const res = await ask(honest, {
      type: 'task_request',
      id: 'bad-osig',
      taskId: 'bad-osig-task',
      capability: 'work',
      input: { ms: 1 },
      deadline: Date.now() + 10_000,
      hops: 1,
      from: origin.peerId,
      path: [origin.peerId, rogue.peerId],
      osig: 'A'.repeat(86)
    })
    assert.equal(res.status, 'failed')
    assert.equal((res.error as { code: string }).code, 'bad_origin_signature')
  })
})
