import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { createTaskJournal, MAX_TRACE_BYTES } from '../src/index.js'
import { manualClock, newTask, openTestDb, tempDir } from './helpers.js'

const dir = tempDir()
const trace = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spans: [{ peerId: 'p1', spanId: '00f067aa0ba902b7', role: 'executor', queuedMs: 1, executedMs: 2 }]
}

describe('task journal: traces', () => {
  it('keeps a trace with the outcome across a reopen, and prunes it with its task', () => {
    const path = join(dir, 'traces.db')
    const clock = manualClock()
    let db = openTestDb(path)
    let journal = createTaskJournal(db, { now: clock.now })
    journal.accept(newTask('done'))
    journal.startAttempt('done', 'peer-a')
    journal.complete('done', { result: 1, executor: 'peer-a', trace })
    journal.accept(newTask('broke'))
    journal.fail('broke', { code: 'boom', message: 'boom' }, { trace: { ...trace, traceId: 'f'.repeat(32) } })
    journal.accept(newTask('plain'))
    journal.complete('plain', { result: 2, executor: 'peer-a' })
    db.close()

    db = openTestDb(path)
    journal = createTaskJournal(db, { now: clock.now })
    assert.deepEqual(journal.trace('done'), trace)
    assert.equal((journal.trace('broke') as { traceId: string }).traceId, 'f'.repeat(32))
    assert.equal(journal.trace('plain'), undefined, 'no trace given, none kept')
    // A duplicate result is ignored, and so is its trace: the first outcome wins.
    journal.complete('done', { result: 3, executor: 'peer-b', trace: { traceId: 'x', spans: [] } })
    assert.deepEqual(journal.trace('done'), trace)

    clock.tick(10_000)
    assert.equal(journal.prune({ olderThanMs: 5_000 }), 3)
    assert.equal(journal.trace('done'), undefined, 'pruned with its task')
    db.close()
  })

  it('drops a trace over the byte bound but keeps the result', () => {
    const db = openTestDb(join(dir, 'big.db'))
    const journal = createTaskJournal(db)
    journal.accept(newTask('big'))
    const huge = { traceId: 'a', spans: [{ note: 'x'.repeat(MAX_TRACE_BYTES) }] }
    assert.equal(journal.complete('big', { result: 'ok', executor: 'p', trace: huge }).status, 'completed')
    assert.equal(journal.get('big')?.result, 'ok')
    assert.equal(journal.trace('big'), undefined)
    db.close()
  })

  it('adds its table to a journal file made before traces existed', () => {
    const path = join(dir, 'old.db')
    let db = openTestDb(path)
    createTaskJournal(db).accept(newTask('old'))
    db.exec('DROP TABLE journal_traces')
    db.close()
    db = openTestDb(path)
    const journal = createTaskJournal(db)
    assert.equal(journal.get('old')?.status, 'queued', 'the old task is still there')
    journal.complete('old', { result: null, executor: 'p', trace })
    assert.deepEqual(journal.trace('old'), trace)
    db.close()
  })
})
