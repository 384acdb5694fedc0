import assert from 'node:assert/strict'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { encodeFrame } from '@mesh-node/protocol'
import { at, present } from '@mesh-node/test-utils'
import { startTestDaemon, type TestDaemon } from '../helpers/daemon.js'
import { createHostilePeer, type HostilePeer } from '../helpers/hostile-peer.js'
import { MiB, rssBytes } from '../helpers/proc-stats.js'
import { waitFor } from '../helpers/wait.js'

/** RSS growth a flood may cause, whatever its size. */
const RSS_BOUND = 96 * MiB
/**
 * The result flood's bound: 300 tasks bring 264 MiB of inputs and as much of
 * results, 4 in flight at once; what V8 keeps of its heap after them measured
 * 78–98 MiB on a loaded 2-core host, so 96 MiB failed one run in six. Still
 * under a quarter of what the flood carried, where an unbounded cache kept it all.
 */
const RESULT_FLOOD_BOUND = 128 * MiB
const BIG = 'x'.repeat(900 * 1024)
/** The executions table's bound in this test (`tasks.executionsMaxBytes`): a fifteenth of what the flood leaves. */
const EXECUTIONS_BOUND = 16 * MiB
/** What mesh.db and its write-ahead log may take on disk after the flood: the bound, plus SQLite's own slack. */
const DISK_BOUND = 64 * MiB

const task = (rogue: HostilePeer, n: number, fields: Record<string, unknown> = {}) => ({
  type: 'task_request',
  id: `m${n}`,
  taskId: `mem-${n}-${Math.random().toString(36).slice(2)}`,
  capability: 'echo',
  input: BIG,
  from: rogue.peerId,
  deadline: Date.now() + 30_000,
  hops: 1,
  path: [rogue.peerId],
  ...fields
})

/**
 * RSS once it has settled (the flood's garbage collected): the lowest of
 * samples taken over a few seconds, since a loaded machine may run the
 * daemon's collector late. Waiting is a sampling window, not a sleep.
 */
async function settledRss(pid: number): Promise<number> {
  let low = rssBytes(pid)
  const until = Date.now() + 6000
  await waitFor(
    () => {
      low = Math.min(low, rssBytes(pid))
      return Date.now() >= until
    },
    { timeoutMs: 10_000, intervalMs: 250, message: 'RSS to settle' }
  )
  return low
}

describe('a hostile peer cannot exhaust a daemon’s memory', { timeout: 180_000 }, () => {
  let d: TestDaemon
  let rogue: HostilePeer
  let addr: string

  before(async () => {
    d = await startTestDaemon({
      config: {
        tasks: { executionsMaxBytes: EXECUTIONS_BOUND },
        agents: [
          { name: 'e', capabilities: ['echo'], capacity: 16, handler: { kind: 'builtin', name: 'echo' } }
        ]
      }
    })
    addr = at((await d.client.id()).addresses, 0)
    rogue = await createHostilePeer()
  })
  after(async () => {
    await rogue?.stop()
    await d?.stop()
  })

  it('keeps results bounded in bytes, in memory and on disk: 300 echo tasks of 900 KiB', async () => {
    const base = rssBytes(present(d.proc.pid, 'the daemon pid'))
    const session = await rogue.open(addr)
    // A window of 4 requests in flight: the flood arrives faster than one at a time,
    // and stays inside the per-peer in-flight budget (so every task is run, not refused).
    const WINDOW = 4
    for (let i = 0; i < WINDOW; i++) session.send(task(rogue, i))
    for (let i = 0; i < 300; i++) {
      const reply = await session.next(30_000)
      assert.equal(reply.status, 'completed')
      if (i + WINDOW < 300) session.send(task(rogue, i + WINDOW))
    }
    const growth = (await settledRss(present(d.proc.pid, 'the daemon pid'))) - base
    const { tasks } = await d.client.status()
    const disk = ['mesh.db', 'mesh.db-wal']
      .map((f) => join(d.dataDir, f))
      .filter((f) => existsSync(f))
      .reduce((sum, f) => sum + statSync(f).size, 0)
    console.log(
      `result cache flood: RSS growth ${(growth / MiB).toFixed(0)} MiB; executions kept ${tasks.executions} ` +
        `of 300, ${((tasks.executionBytes ?? 0) / MiB).toFixed(1)} MiB (bound ${EXECUTIONS_BOUND / MiB}); ` +
        `mesh.db and its WAL ${(disk / MiB).toFixed(0)} MiB on disk`
    )
    assert.ok(growth < RESULT_FLOOD_BOUND, `RSS grew ${(growth / MiB).toFixed(0)} MiB`)
    assert.ok((tasks.executionBytes ?? Infinity) <= EXECUTIONS_BOUND, 'the executions table within its bound')
    assert.ok(disk < DISK_BOUND, `mesh.db took ${(disk / MiB).toFixed(0)} MiB`)
    assert.match((await d.cli(['status'])).stdout, /executions \d+ \(1\d\.\d MiB\)/, 'status shows the size')
  })

  it('stops reading a stream whose replies are not read: 2000 unread state_syncs', async () => {
    const base = rssBytes(present(d.proc.pid, 'the daemon pid'))
    const session = await rogue.open(addr)
    session.stream.pause()
    const sync = encodeFrame({ type: 'state_sync', id: 's', versions: [] })
    for (let i = 0; i < 2000; i++) {
      if (!session.stream.send(sync)) {
        // The daemon stopped reading: that is the backpressure asked for. (Not
        // stream.onDrain(): @libp2p/utils 7.4 never renews it after a first drain.)
        const drained = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 3000)
          session.stream.addEventListener('drain', () => resolve(clearTimeout(timer) === undefined), {
            once: true
          })
        })
        if (!drained) break
      }
    }
    const growth = (await settledRss(present(d.proc.pid, 'the daemon pid'))) - base
    console.log(`unread reply flood: RSS growth ${(growth / MiB).toFixed(0)} MiB`)
    assert.ok(growth < RSS_BOUND, `RSS grew ${(growth / MiB).toFixed(0)} MiB`)
    session.stream.abort(new Error('done'))
  })

  it('bounds the outbox: 150 tasks for an origin that does not exist', async () => {
    const base = rssBytes(present(d.proc.pid, 'the daemon pid'))
    const ghost = '12D3KooWGhostGhostGhostGhostGhostGhostGhostGhostGhost1'
    for (let i = 0; i < 150; i++) {
      const session = await rogue.open(addr)
      session.send(task(rogue, 1000 + i, { from: ghost, path: [ghost, rogue.peerId] }))
      // Gone before the result is ready: the executor must hold it for the origin.
      session.stream.abort(new Error('gone'))
    }
    const growth = (await settledRss(present(d.proc.pid, 'the daemon pid'))) - base
    console.log(`outbox flood: RSS growth ${(growth / MiB).toFixed(0)} MiB`)
    assert.ok(growth < RSS_BOUND, `RSS grew ${(growth / MiB).toFixed(0)} MiB`)
  })
})
