import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { createTaskJournal } from '../src/index.js'
import { begin, finish, manualClock, openTestDb, tempDir } from './helpers.js'

const dir = tempDir()
const KIB = 'x'.repeat(1024)

describe('task journal: the executions table within a size', () => {
  it('deletes the runs that finished first at the write that passes the bound, never a running one or one in the outbox', () => {
    const clock = manualClock()
    const journal = createTaskJournal(openTestDb(join(dir, 'budget.db')), {
      now: clock.now,
      executionsMaxBytes: 64 * 1024
    })
    begin(journal, 'running', 'o', 'a')
    begin(journal, 'held', 'o', 'a')
    finish(journal, 'held', 'o', { status: 'completed', result: 'h'.repeat(1024) })
    journal.outboxPut({ taskId: 'held', origin: 'o', message: { type: 'task_result' } })
    for (let i = 0; i < 100; i++) {
      clock.tick(1)
      begin(journal, `t${i}`, 'o', 'a')
      finish(journal, `t${i}`, 'o', { status: 'completed', result: KIB })
      const bytes = journal.stats().executionBytes ?? Infinity
      assert.ok(bytes <= 64 * 1024, `after write ${i}: ${bytes} bytes`)
    }
    assert.equal(journal.getExecution('t0', 'o'), undefined, 'the first finished went first')
    assert.equal(journal.getExecution('t99', 'o')?.result, KIB, 'the last stays')
    assert.equal(journal.getExecution('running', 'o')?.status, 'running', 'a running execution stays')
    assert.equal(journal.getExecution('held', 'o')?.status, 'completed', 'an execution in the outbox stays')
    const kept = journal.stats().executions
    assert.ok(kept > 40 && kept < 70, `${kept} executions kept`)
  })

  it('counts what a reopened journal holds, and pruning by age', () => {
    const clock = manualClock()
    const path = join(dir, 'reopen.db')
    const first = createTaskJournal(openTestDb(path), { now: clock.now, executionsMaxBytes: 1 << 20 })
    begin(first, 't', 'o', 'a')
    finish(first, 't', 'o', { status: 'completed', result: KIB })
    const held = first.stats().executionBytes ?? 0
    assert.ok(held > 1024)
    const again = createTaskJournal(openTestDb(path), { now: clock.now, executionsMaxBytes: 1 << 20 })
    // The count kept between writes is an estimate; a reopened journal counts the rows themselves.
    assert.ok(Math.abs((again.stats().executionBytes ?? 0) - held) < 256)
    clock.tick(10_000)
    again.prune({ olderThanMs: 1000 })
    assert.equal(again.stats().executionBytes, 0)
    assert.equal(createTaskJournal(openTestDb(join(dir, 'plain.db'))).stats().executionBytes, undefined)
  })
})
