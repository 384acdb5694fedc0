import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { MeshClient, TaskInfo } from '@mesh-node/client'
import { taskWaiter } from '../src/task-waiter.js'

/** A client whose task goes through the given statuses, one per read. */
function client(statuses: string[]): MeshClient {
  let read = 0
  return {
    task: async (taskId: string) =>
      ({ taskId, status: statuses[Math.min(read++, statuses.length - 1)] }) as TaskInfo,
    cancel: async () => {}
  } as unknown as MeshClient
}

describe('waiting for a mesh task through the bridge', () => {
  it('reports a change that happened before it was waited for (its event gone), once', async () => {
    const seen: string[] = []
    // 'assigned' was reached (and its event delivered to nobody) before the waiter was registered.
    const waiter = taskWaiter(client(['assigned', 'completed']))
    const task = await waiter.wait('t', new AbortController().signal, (s) => seen.push(s), 'pending')
    assert.equal(task.status, 'completed')
    assert.deepEqual(seen, ['assigned'])
  })

  it('does not repeat the status the caller already reported', async () => {
    const seen: string[] = []
    const waiter = taskWaiter(client(['pending', 'completed']))
    const wait = waiter.wait('t', new AbortController().signal, (s) => seen.push(s), 'pending')
    waiter.wake('t', 'running')
    await wait
    assert.deepEqual(seen, ['running'])
  })
})
