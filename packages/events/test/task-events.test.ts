import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TaskRecord } from '@mesh-node/journal'
import { at } from '@mesh-node/test-utils'
import type { MeshEvent } from '../src/event-hub.js'
import { publishTaskEvents } from '../src/task-events.js'

function record(status: TaskRecord['status'], executor?: string, taskId = 't1'): TaskRecord {
  return {
    taskId,
    capability: 'echo',
    input: null,
    origin: 'o',
    status,
    createdAt: 0,
    updatedAt: 0,
    deadline: 1,
    timeoutMs: 1,
    queue: true,
    executor,
    attempts: []
  }
}

describe('task events', () => {
  it('announces a task retried on the same executor once per executor, and every other change', () => {
    const out: Array<Omit<MeshEvent, 'at'>> = []
    const publish = publishTaskEvents({ publish: (e) => out.push(e) })
    publish(record('queued'))
    // Busy, requeued, assigned again: twenty tries on A, then B.
    for (let i = 0; i < 20; i++) {
      publish(record('assigned', 'A'))
      publish(record('queued', 'A'))
    }
    publish(record('assigned', 'B'))
    publish(record('running', 'B'))
    publish(record('completed', 'B'))
    const assigned = out.filter((e) => e.status === 'assigned').map((e) => e.executor)
    assert.deepEqual(assigned, ['A', 'B'])
    assert.equal(out.filter((e) => e.status === 'queued').length, 21)
    assert.deepEqual(out.at(-1), {
      type: 'task',
      taskId: 't1',
      status: 'completed',
      capability: 'echo',
      executor: 'B'
    })
  })

  it('names the executor when it announced a name', () => {
    const out: Array<Omit<MeshEvent, 'at'>> = []
    const publish = publishTaskEvents({ publish: (e) => out.push(e) }, 10, (id) =>
      id === 'B' ? 'bee' : undefined
    )
    publish(record('assigned', 'A'))
    publish(record('assigned', 'B'))
    assert.equal(at(out, 0).executorName, undefined)
    assert.equal(at(out, 1).executorName, 'bee')
  })

  it('keeps at most its bound of tasks in memory', () => {
    const out: Array<Omit<MeshEvent, 'at'>> = []
    const publish = publishTaskEvents({ publish: (e) => out.push(e) }, 2)
    for (const id of ['a', 'b', 'c']) publish(record('assigned', 'A', id))
    // 'a' fell out of the bound, so a repeat is announced again: bounded memory wins over dedupe.
    publish(record('assigned', 'A', 'a'))
    publish(record('assigned', 'A', 'c'))
    assert.deepEqual(
      out.map((e) => e.taskId),
      ['a', 'b', 'c', 'a']
    )
  })
})
