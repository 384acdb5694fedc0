import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TaskEvent } from '@mesh-node/tasks'
import { createTaskStore } from '../src/task-store.js'

const event = (taskId: string, status: TaskEvent['status'], at: number): TaskEvent => ({
  taskId,
  role: 'executor',
  capability: 'echo',
  from: 'peer-a',
  status,
  at
})

describe('task store (tasks run for other nodes)', () => {
  it('stays bounded, drops the least recently updated first, and keeps what it holds whole', () => {
    const store = createTaskStore(160) // evicts once it holds 160 + 10
    for (let i = 0; i < 1000; i++) store.record(event(`t${i}`, 'started', i))
    // An old task updated late counts as recent.
    store.record(event('t900', 'completed', 2000))
    for (let i = 1000; i < 1005; i++) store.record(event(`t${i}`, 'started', i))
    const held = store.list(10_000)
    assert.ok(held.length >= 160 && held.length <= 170, `${held.length} entries held`)
    assert.equal(store.get('t0'), undefined, 'the oldest fell off')
    assert.equal(store.get('t1004')?.status, 'running', 'the newest is kept')
    const updated = store.get('t900')
    assert.equal(updated?.status, 'completed')
    assert.equal(updated?.createdAt, 900, 'an update keeps when the task was first seen')
    assert.equal(held[0]?.taskId, 't1004', 'list: newest first')
    assert.equal(held.indexOf(updated as (typeof held)[number]), 5, 't900 sits among the latest updates')
  })
})
