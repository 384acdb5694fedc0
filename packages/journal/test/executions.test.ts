import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { present } from '@mesh-node/test-utils'
import { createTaskJournal } from '../src/index.js'
import { manualClock, openTestDb, tempDir } from './helpers.js'

const dir = tempDir()

describe('task journal: executions', () => {
  it('lets only the first caller run a task id and keeps its outcome', () => {
    const clock = manualClock()
    const db = openTestDb(join(dir, 'exec.db'))
    const journal = createTaskJournal(db, { now: clock.now })

    assert.deepEqual(journal.beginExecution('t1', 'origin-a', 'agent-1'), { started: true })
    clock.tick(5)
    const again = journal.beginExecution('t1', 'origin-b', 'agent-2')
    assert.deepEqual(again, {
      started: false,
      existing: {
        taskId: 't1',
        origin: 'origin-a',
        status: 'running',
        agent: 'agent-1',
        startedAt: clock.now() - 5
      }
    })

    journal.finishExecution('t1', { status: 'completed', result: { answer: 42 } })
    const done = journal.getExecution('t1')
    assert.deepEqual(done, {
      taskId: 't1',
      origin: 'origin-a',
      status: 'completed',
      result: { answer: 42 },
      agent: 'agent-1',
      startedAt: clock.now() - 5,
      endedAt: clock.now()
    })
    // A duplicate request now gets the stored result instead of a second run.
    assert.deepEqual(journal.beginExecution('t1', 'origin-a'), { started: false, existing: done })
    // A duplicate finish keeps the first outcome.
    journal.finishExecution('t1', { status: 'failed', error: { code: 'late', message: 'late' } })
    assert.deepEqual(journal.getExecution('t1'), done)

    journal.beginExecution('t2', 'origin-a')
    journal.finishExecution('t2', {
      status: 'failed',
      error: { code: 'agent_error', message: 'agent crashed' },
      agent: 'agent-3'
    })
    assert.deepEqual(journal.getExecution('t2')?.error, { code: 'agent_error', message: 'agent crashed' })
    assert.equal(journal.getExecution('t2')?.agent, 'agent-3')
    assert.equal(journal.getExecution('t2')?.result, undefined)

    assert.throws(() => journal.finishExecution('never', { status: 'completed' }), { code: 'unknown_task' })
    assert.equal(journal.getExecution('never'), undefined)
    assert.equal(journal.stats().executions, 2)
    db.close()
  })

  it('fails executions a crash left running, once, after reopening', () => {
    const path = join(dir, 'abandon.db')
    let db = openTestDb(path)
    let journal = createTaskJournal(db)
    journal.beginExecution('running-1', 'origin-a')
    journal.beginExecution('running-2', 'origin-a')
    journal.beginExecution('finished', 'origin-a')
    journal.finishExecution('finished', { status: 'completed', result: 'ok' })
    db.close()

    db = openTestDb(path)
    journal = createTaskJournal(db)
    assert.equal(journal.abandonRunningExecutions(), 2)
    for (const id of ['running-1', 'running-2']) {
      const execution = present(journal.getExecution(id), 'the execution')
      assert.equal(execution.status, 'failed')
      assert.equal(execution.error?.code, 'interrupted')
      assert.equal(execution.attempt, undefined)
      assert.equal(typeof execution.endedAt, 'number')
    }
    assert.equal(journal.getExecution('finished')?.status, 'completed')
    assert.equal(journal.getExecution('finished')?.result, 'ok')
    assert.equal(journal.abandonRunningExecutions(), 0)
    // Still recorded, so a re-sent request does not run the task again.
    assert.equal(journal.beginExecution('running-1', 'origin-a').started, false)
    db.close()
  })

  it('begins executions in one batch, and begins an interrupted one again as its next attempt', () => {
    const path = join(dir, 'begin.db')
    let db = openTestDb(path)
    let journal = createTaskJournal(db)
    journal.beginExecutions([
      { taskId: 'a', origin: 'origin-a', attempt: 1 },
      { taskId: 'b', origin: 'origin-a', attempt: 1, agent: 'w' }
    ])
    journal.recordExecutions([
      { taskId: 'b', origin: 'origin-a', outcome: { status: 'completed', result: 2 } }
    ])
    db.close()

    db = openTestDb(path)
    journal = createTaskJournal(db)
    assert.equal(journal.abandonRunningExecutions(), 1)
    assert.equal(journal.getExecution('a')?.error?.code, 'interrupted')
    journal.beginExecutions([
      { taskId: 'a', origin: 'origin-a', attempt: 2 },
      { taskId: 'b', origin: 'origin-a', attempt: 2 }
    ])
    const again = present(journal.getExecution('a'), 'the execution')
    assert.equal(again.status, 'running')
    assert.equal(again.attempt, 2)
    assert.equal(again.error, undefined)
    // A finished execution is never begun again.
    assert.deepEqual(
      { status: journal.getExecution('b')?.status, attempt: journal.getExecution('b')?.attempt },
      { status: 'completed', attempt: undefined }
    )
    journal.recordExecutions([
      { taskId: 'a', origin: 'origin-a', outcome: { status: 'completed', result: 1 } }
    ])
    assert.equal(journal.getExecution('a')?.status, 'completed')
    db.close()
  })
})
