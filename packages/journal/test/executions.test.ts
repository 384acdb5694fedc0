import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { present } from '@mesh-node/test-utils'
import { createTaskJournal } from '../src/index.js'
import { begin, finish, manualClock, openTestDb, tempDir } from './helpers.js'

const dir = tempDir()

describe('task journal: executions', () => {
  it('keeps one record per (origin, task id), and the first outcome of each', () => {
    const clock = manualClock()
    const db = openTestDb(join(dir, 'exec.db'))
    const journal = createTaskJournal(db, { now: clock.now })

    begin(journal, 't1', 'origin-a', 'agent-1')
    clock.tick(5)
    // Begun again while it runs (a repeat that raced the first): the record stays as it was.
    begin(journal, 't1', 'origin-a', 'agent-2')
    assert.deepEqual(journal.getExecution('t1', 'origin-a'), {
      taskId: 't1',
      origin: 'origin-a',
      status: 'running',
      agent: 'agent-1',
      startedAt: clock.now() - 5
    })
    // Another origin's task of the same id is another execution: it neither sees nor blocks this one.
    begin(journal, 't1', 'origin-b', 'agent-2')
    assert.equal(journal.getExecution('t1', 'origin-b')?.agent, 'agent-2')

    finish(journal, 't1', 'origin-a', { status: 'completed', result: { answer: 42 } })
    const done = journal.getExecution('t1', 'origin-a')
    assert.deepEqual(done, {
      taskId: 't1',
      origin: 'origin-a',
      status: 'completed',
      result: { answer: 42 },
      agent: 'agent-1',
      startedAt: clock.now() - 5,
      endedAt: clock.now()
    })
    // A finished run is never begun again, and a duplicate outcome keeps the first.
    begin(journal, 't1', 'origin-a')
    finish(journal, 't1', 'origin-a', { status: 'failed', error: { code: 'late', message: 'late' } })
    assert.deepEqual(journal.getExecution('t1', 'origin-a'), done)

    begin(journal, 't2', 'origin-a')
    finish(journal, 't2', 'origin-a', {
      status: 'failed',
      error: { code: 'agent_error', message: 'agent crashed' },
      agent: 'agent-3'
    })
    assert.deepEqual(journal.getExecution('t2', 'origin-a')?.error, {
      code: 'agent_error',
      message: 'agent crashed'
    })
    assert.equal(journal.getExecution('t2', 'origin-a')?.agent, 'agent-3')
    assert.equal(journal.getExecution('t2', 'origin-a')?.result, undefined)
    assert.equal(journal.getExecution('never', 'origin-a'), undefined)
    assert.equal(journal.stats().executions, 3)
    db.close()
  })

  it('fails executions a crash left running, once, after reopening', () => {
    const path = join(dir, 'abandon.db')
    let db = openTestDb(path)
    let journal = createTaskJournal(db)
    begin(journal, 'running-1', 'origin-a')
    begin(journal, 'running-2', 'origin-a')
    begin(journal, 'finished', 'origin-a')
    finish(journal, 'finished', 'origin-a', { status: 'completed', result: 'ok' })
    db.close()

    db = openTestDb(path)
    journal = createTaskJournal(db)
    assert.equal(journal.abandonRunningExecutions(), 2)
    for (const id of ['running-1', 'running-2']) {
      const execution = present(journal.getExecution(id, 'origin-a'), 'the execution')
      assert.equal(execution.status, 'failed')
      assert.equal(execution.error?.code, 'interrupted')
      assert.equal(execution.attempt, undefined)
      assert.equal(typeof execution.endedAt, 'number')
    }
    assert.equal(journal.getExecution('finished', 'origin-a')?.status, 'completed')
    assert.equal(journal.getExecution('finished', 'origin-a')?.result, 'ok')
    assert.equal(journal.abandonRunningExecutions(), 0)
    // Still recorded, so a re-sent request is answered from the record.
    assert.equal(journal.getExecution('running-1', 'origin-a')?.status, 'failed')
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
    assert.equal(journal.getExecution('a', 'origin-a')?.error?.code, 'interrupted')
    journal.beginExecutions([
      { taskId: 'a', origin: 'origin-a', attempt: 2 },
      { taskId: 'b', origin: 'origin-a', attempt: 2 }
    ])
    const again = present(journal.getExecution('a', 'origin-a'), 'the execution')
    assert.equal(again.status, 'running')
    assert.equal(again.attempt, 2)
    assert.equal(again.error, undefined)
    // A finished execution is never begun again.
    assert.deepEqual(
      {
        status: journal.getExecution('b', 'origin-a')?.status,
        attempt: journal.getExecution('b', 'origin-a')?.attempt
      },
      { status: 'completed', attempt: undefined }
    )
    journal.recordExecutions([
      { taskId: 'a', origin: 'origin-a', outcome: { status: 'completed', result: 1 } }
    ])
    assert.equal(journal.getExecution('a', 'origin-a')?.status, 'completed')
    db.close()
  })
})

describe('task journal: executions of an older journal', () => {
  it('are re-keyed by (task id, origin) on open, rows kept', () => {
    const path = join(dir, 'old-key.db')
    let db = openTestDb(path)
    begin(createTaskJournal(db), 'kept', 'origin-a', 'w')
    // The table as journals before the re-key laid it out: task_id alone is the key.
    db.exec(`ALTER TABLE journal_executions RENAME TO x;
      CREATE TABLE journal_executions (task_id TEXT PRIMARY KEY, origin TEXT NOT NULL, status TEXT NOT NULL,
        result TEXT, error TEXT, agent TEXT, started_at INTEGER NOT NULL, ended_at INTEGER,
        attempt INTEGER NOT NULL DEFAULT 1);
      INSERT INTO journal_executions SELECT task_id, origin, status, result, error, agent, started_at, ended_at, attempt FROM x;
      DROP TABLE x;`)
    db.close()
    db = openTestDb(path)
    const journal = createTaskJournal(db)
    assert.equal(journal.getExecution('kept', 'origin-a')?.agent, 'w')
    begin(journal, 'kept', 'origin-b')
    assert.equal(journal.getExecution('kept', 'origin-b')?.status, 'running')
    assert.equal(journal.stats().executions, 2)
    db.close()
  })
})
