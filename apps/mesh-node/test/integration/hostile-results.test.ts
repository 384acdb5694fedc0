import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { TestDaemon } from '../helpers/daemon.js'
import type { HostilePeer } from '../helpers/hostile-peer.js'
import { type Frame, type RogueWorkerMesh, startRogueWorkerMesh } from '../helpers/rogue-worker.js'
import { waitFor } from '../helpers/wait.js'

/** `mesh_results_rejected_total` by reason, scraped from a daemon's API. */
async function rejectedInMetrics(d: TestDaemon): Promise<Record<string, number>> {
  const token = readFileSync(join(d.dataDir, 'api.token'), 'utf8').trim()
  const res = await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(res.status, 200)
  const counts: Record<string, number> = {}
  for (const m of (await res.text()).matchAll(/^mesh_results_rejected_total\{reason="(\w+)"\} (\d+)$/gm))
    counts[m[1] as string] = Number(m[2])
  return counts
}

/** The same counts as `mesh-node status --json` shows them. */
async function rejectedInStatus(d: TestDaemon): Promise<Record<string, number>> {
  const out = await d.cli(['status', '--json'])
  assert.equal(out.code, 0, out.stderr)
  return (JSON.parse(out.stdout) as { rejectedResults: Record<string, number> }).rejectedResults
}

/**
 * Forged results. The rogue advertises `work` at load 0 while the honest
 * worker sits at load 0.5, so every origin tries the rogue first.
 */
describe('a hostile peer cannot forge results', { timeout: 120_000 }, () => {
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
   * Makes the rogue answer every task `busy` while it delivers a forged
   * result naming the honest executor on `forgedPath`; then submits one task
   * and checks that it completes with the honest result.
   */
  const busyThenForgedDelivery = async (n: number, forgedPath: () => string[]): Promise<string> => {
    let tried = 0
    rogue.setHandler((req) => {
      if (req.type !== 'task_request') return undefined
      tried++
      const forged = {
        type: 'result_delivery',
        id: `d-${n}-${tried}`,
        result: {
          taskId: req.taskId,
          status: 'completed',
          result: { forged: true },
          executor: honest.peerId,
          agent: 'w',
          path: forgedPath()
        }
      }
      void ask(origin, forged).catch(() => {})
      return {
        type: 'task_result',
        id: req.id,
        taskId: req.taskId,
        status: 'busy',
        path: [...(req.path as string[]), rogue.peerId]
      }
    })
    const res = await origin.client.submit({ capability: 'work', input: { ms: 300, n }, timeoutMs: 20_000 })
    assert.ok(tried >= 1, 'the origin tried the rogue first')
    assert.equal(res.status, 'completed')
    assert.deepEqual(
      res.result,
      { slept: 300, input: { ms: 300, n } },
      'the honest result, not the forged one'
    )
    assert.equal(res.executor, honest.peerId)
    return res.taskId
  }

  it('rejects a result_delivery that names an honest executor after the rogue answered busy', async () => {
    await busyThenForgedDelivery(1, () => [origin.peerId, honest.peerId])
  })

  it('rejects a delivery from a rogue that was sent the task and puts itself on the forged path', async () => {
    await busyThenForgedDelivery(2, () => [origin.peerId, rogue.peerId, honest.peerId])
    await waitFor(() => /executor claim does not verify/.test(origin.output()), {
      message: 'the origin to log the rejected delivery'
    })
    // Unsigned, naming an executor other than the peer that delivered it.
    await waitFor(async () => ((await rejectedInStatus(origin)).unsigned_foreign ?? 0) >= 1, {
      message: 'the rejected delivery to be counted as unsigned_foreign'
    })
  })

  it('rejects a forged answer, signed or not, that names an honest executor, and fails over', async () => {
    const before = await rejectedInMetrics(origin)
    assert.deepEqual(
      Object.keys(before).sort(),
      ['forged_result', 'not_sent', 'unknown_token', 'unsigned_foreign'],
      'every reason is listed in /metrics from the start'
    )
    const tokens: unknown[] = []
    rogue.setHandler((req) => {
      if (req.type !== 'task_request') return undefined
      tokens.push(req.token)
      return {
        type: 'task_result',
        id: req.id,
        taskId: req.taskId,
        status: 'completed',
        result: { forged: true },
        executor: honest.peerId,
        agent: 'w',
        path: [...(req.path as string[]), rogue.peerId, honest.peerId],
        // A signature, but not the honest executor's.
        sig: 'A'.repeat(86)
      }
    })
    const res = await origin.client.submit({
      capability: 'work',
      input: { ms: 300, n: 3 },
      timeoutMs: 20_000
    })
    assert.equal(tokens.length, 1, 'the rogue was tried once')
    assert.match(String(tokens[0]), /^[A-Za-z0-9_-]{22}$/, 'the attempt carried a token')
    assert.equal(res.status, 'completed')
    assert.deepEqual(res.result, { slept: 300, input: { ms: 300, n: 3 } }, 'the honest result')
    assert.equal(res.executor, honest.peerId)
    const task = await origin.client.task(res.taskId)
    assert.deepEqual(
      task.attempts.map((a) => [a.executor, a.error?.code ?? a.outcome]),
      [
        [rogue.peerId, 'forged_result'],
        [honest.peerId, 'completed']
      ]
    )
    const afterwards = await rejectedInMetrics(origin)
    assert.equal(afterwards.forged_result, (before.forged_result ?? 0) + 1, 'counted in /metrics')
    assert.equal((await rejectedInStatus(origin)).forged_result, afterwards.forged_result, 'and in status')
  })

  it("rejects a delivery from a peer never handed the task, for a task run on the origin's own agent", async () => {
    const before = await rejectedInStatus(origin)
    const { taskId } = await origin.client.submitNoWait({
      capability: 'solo',
      input: { ms: 1500 },
      timeoutMs: 20_000
    })
    const ack = await ask(origin, {
      type: 'result_delivery',
      id: 'unsolicited',
      result: {
        taskId,
        status: 'completed',
        result: { forged: true },
        executor: rogue.peerId,
        agent: 'solo',
        path: [origin.peerId, rogue.peerId]
      }
    })
    assert.equal(ack.type, 'delivery_ack')
    const done = await waitFor(async () => {
      const t = await origin.client.task(taskId)
      return t.status === 'completed' || t.status === 'failed' ? t : undefined
    })
    assert.equal(done.status, 'completed')
    assert.deepEqual(done.result, { slept: 1500, input: { ms: 1500 } })
    assert.equal(done.executor, origin.peerId)
    assert.equal((await rejectedInStatus(origin)).not_sent, (before.not_sent ?? 0) + 1, 'counted as not_sent')
  })
})
