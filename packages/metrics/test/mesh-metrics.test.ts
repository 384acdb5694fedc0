import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createMeshMetrics, type TaskSnapshot } from '../src/index.js'

/** A push source the test drives by hand. */
function feed<T extends unknown[]>() {
  const listeners = new Set<(...args: T) => void>()
  return {
    subscribe: (l: (...args: T) => void) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    emit: (...args: T) => {
      for (const l of listeners) l(...args)
    },
    size: () => listeners.size
  }
}

describe('mesh metrics', () => {
  it('counts each task and each attempt once, however often the task changes', async () => {
    const metrics = createMeshMetrics()
    const tasks = feed<[TaskSnapshot]>()
    const off = metrics.observe({ onTaskChange: tasks.subscribe })
    const base = { taskId: 't', capability: 'echo', createdAt: 1000 }
    tasks.emit({ ...base, status: 'queued', updatedAt: 1000, attempts: [] })
    tasks.emit({ ...base, status: 'assigned', updatedAt: 1001, attempts: [{ n: 1, startedAt: 1001 }] })
    const busy = { n: 1, startedAt: 1001, endedAt: 1011, outcome: 'busy' }
    tasks.emit({ ...base, status: 'queued', updatedAt: 1011, attempts: [busy] })
    tasks.emit({ ...base, status: 'queued', updatedAt: 1012, attempts: [busy] })
    const done = { n: 2, startedAt: 1020, endedAt: 1500, outcome: 'completed' }
    tasks.emit({ ...base, status: 'completed', updatedAt: 1500, attempts: [busy, done] })
    const text = await metrics.render()
    assert.match(text, /mesh_tasks_accepted_total\{capability="echo"\} 1\n/)
    assert.match(text, /mesh_tasks_total\{capability="echo",outcome="completed"\} 1\n/)
    assert.match(text, /mesh_task_attempts_total\{capability="echo",outcome="busy"\} 1\n/)
    assert.match(text, /mesh_task_attempts_total\{capability="echo",outcome="completed"\} 1\n/)
    assert.match(text, /mesh_task_duration_seconds_sum\{capability="echo",outcome="completed"\} 0\.5\n/)
    assert.match(
      text,
      /mesh_task_attempt_duration_seconds_sum\{capability="echo",outcome="completed"\} 0\.48\n/
    )
    off()
    assert.equal(tasks.size(), 0, 'observe returns a disconnect')
  })

  it('bounds label values: capabilities and topics past the limit count as other', async () => {
    const metrics = createMeshMetrics({ maxCapabilities: 2 })
    const gossip = feed<[string, number]>()
    metrics.observe({ onGossipMessage: gossip.subscribe })
    for (const topic of ['a', 'b', 'c', 'd']) gossip.emit(topic, 10)
    const text = await metrics.render()
    assert.match(text, /mesh_gossip_messages_received_total\{topic="other"\} 2\n/)
    assert.match(text, /mesh_gossip_bytes_received_total\{topic="a"\} 10\n/)
    assert.doesNotMatch(text, /topic="c"/)
  })

  it('reads pull sources at scrape time, and keeps two nodes in one process apart', async () => {
    const a = createMeshMetrics()
    const b = createMeshMetrics()
    let running = 1
    a.observe({
      taskCounts: () => ({ queued: 2, assigned: 1, running: 3 }),
      agents: () => [{ peerId: 'p1', agent: 'echo', local: true, running, capacity: 4 }],
      members: () => [{ state: 'alive' }, { state: 'suspect' }],
      connections: () => 5,
      journalBytes: () => 4096
    })
    let text = await a.render()
    assert.match(text, /mesh_tasks_in_flight 4\n/)
    assert.match(text, /mesh_tasks_queued 2\n/)
    assert.match(text, /mesh_agent_running\{peer="p1",agent="echo",local="true"\} 1\n/)
    assert.match(text, /mesh_members\{state="dead"\} 0\n/)
    assert.match(text, /mesh_connections 5\n/)
    assert.match(text, /mesh_journal_bytes 4096\n/)
    assert.match(text, /nodejs_eventloop_lag_seconds /)
    assert.match(text, /process_resident_memory_bytes /)
    running = 3
    text = await a.render()
    assert.match(text, /mesh_agent_running\{peer="p1",agent="echo",local="true"\} 3\n/)
    assert.match(await b.render(), /mesh_connections 0\n/)
  })
})
