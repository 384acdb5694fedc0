import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { until } from '@mesh-node/test-utils'
import { BacklogFullError, DispatchPump, INTAKE_WINDOW_MS } from '../src/dispatch-pump.js'

/** One turn of the event loop: the pump starts its jobs in setImmediate callbacks. */
const nextTurn = async (): Promise<void> => await new Promise((resolve) => setImmediate(resolve))

/** Jobs that record their start and stay open until released. */
function jobs() {
  const started: number[] = []
  const releases: Array<() => void> = []
  const job = (n: number) => async () => {
    started.push(n)
    await new Promise<void>((resolve) => releases.push(resolve))
  }
  return { started, releases, job }
}

describe('the dispatch pump', () => {
  it('starts jobs in the order they came, never more than maxInFlight at once', async () => {
    const pump = new DispatchPump({ maxInFlight: 3, maxStartsPerTurn: 100 })
    const { started, releases, job } = jobs()
    for (let n = 0; n < 10; n++) pump.enqueue(job(n))
    await until(() => started.length === 3, 'three jobs started')
    await nextTurn()
    assert.deepEqual(started, [0, 1, 2], 'a fourth waits for a free place')
    assert.equal(pump.backlog, 7)
    for (const release of releases.splice(0, 2)) release()
    await until(() => started.length === 5, 'two more once two ended')
    assert.deepEqual(started, [0, 1, 2, 3, 4])
    assert.equal(pump.running, 3)
    pump.stop()
  })

  it('starts a few per turn while submits are being accepted, and all of them once the intake is quiet', async () => {
    const pump = new DispatchPump({ maxInFlight: 1000, startsPerIntakeTurn: 1, maxStartsPerTurn: 1000 })
    const { started, releases, job } = jobs()
    pump.accepted(50)
    const acceptedAt = performance.now()
    for (let n = 0; n < 50; n++) pump.enqueue(job(n))
    for (let turn = 0; turn < 3; turn++) await nextTurn()
    if (performance.now() - acceptedAt < INTAKE_WINDOW_MS / 2)
      assert.ok(started.length <= 4, `one a turn while the intake is busy (${started.length} in 3 turns)`)
    await until(() => started.length === 50, 'the backlog, once the intake went quiet', 5000)
    assert.deepEqual(
      started,
      Array.from({ length: 50 }, (_, n) => n),
      'in the order they were accepted'
    )
    for (const r of releases) r()
    pump.stop()
  })

  it('refuses more once maxQueued wait, and drops what waits on stop', async () => {
    const pump = new DispatchPump({ maxInFlight: 1, maxQueued: 2 })
    const { started, releases, job } = jobs()
    pump.enqueue(job(0))
    await until(() => started.length === 1, 'the first job')
    pump.enqueue(job(1))
    pump.assertRoom()
    pump.enqueue(job(2))
    assert.throws(() => pump.assertRoom(), BacklogFullError)
    assert.throws(() => pump.assertRoom(), /2 accepted tasks waiting to go into the mesh, its most; retry/)
    pump.stop()
    assert.equal(pump.backlog, 0)
    for (const r of releases) r()
    await nextTurn()
    assert.deepEqual(started, [0], 'nothing starts after stop')
  })
})
