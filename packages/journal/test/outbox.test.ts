import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { createTaskJournal, type OutboxEntry } from '../src/index.js'
import { manualClock, openTestDb, present, tempDir } from './helpers.js'

const dir = tempDir()
const ids = (entries: OutboxEntry[]): string[] => entries.map((e) => e.taskId)

describe('task journal: outbox', () => {
  it('queues undelivered results oldest first, with backoff and per-origin lookup', () => {
    const clock = manualClock()
    const db = openTestDb(join(dir, 'outbox.db'))
    const journal = createTaskJournal(db, { now: clock.now })
    const t0 = clock.now()

    journal.outboxPut({ taskId: 'a', origin: 'origin-1', message: { type: 'task_result', taskId: 'a' } })
    clock.tick(10)
    journal.outboxPut({ taskId: 'b', origin: 'origin-2', message: { type: 'task_result', taskId: 'b' } })
    // Same millisecond as b: insertion order decides.
    journal.outboxPut({ taskId: 'c', origin: 'origin-1', message: { type: 'task_result', taskId: 'c' } })
    clock.tick(10)

    assert.deepEqual(ids(journal.outboxDue()), ['a', 'b', 'c'])
    assert.deepEqual(ids(journal.outboxDue(t0)), ['a'], 'b and c are not due yet at t0')
    assert.deepEqual(ids(journal.outboxDue(undefined, 2)), ['a', 'b'])
    assert.deepEqual(journal.outboxDue()[0], {
      taskId: 'a',
      origin: 'origin-1',
      message: { type: 'task_result', taskId: 'a' },
      createdAt: t0,
      attempts: 0,
      nextAttemptAt: t0
    })

    journal.outboxDeferred('a', clock.now() + 1_000)
    journal.outboxDeferred('a', clock.now() + 2_000)
    assert.deepEqual(ids(journal.outboxDue()), ['b', 'c'])
    const deferred = present(journal.outboxForOrigin('origin-1')[0])
    assert.equal(deferred.attempts, 2)
    assert.equal(deferred.nextAttemptAt, clock.now() + 2_000)
    assert.deepEqual(ids(journal.outboxDue(clock.now() + 2_000)), ['a', 'b', 'c'])

    assert.deepEqual(ids(journal.outboxForOrigin('origin-1')), ['a', 'c'])
    assert.deepEqual(ids(journal.outboxForOrigin('origin-2')), ['b'])
    assert.deepEqual(journal.outboxForOrigin('origin-3'), [])

    // A re-put replaces the message and makes it due now, keeping age and attempts.
    journal.outboxPut({
      taskId: 'a',
      origin: 'origin-1',
      message: { type: 'task_result', taskId: 'a', v: 2 }
    })
    const replaced = present(journal.outboxForOrigin('origin-1')[0])
    assert.deepEqual(replaced, {
      taskId: 'a',
      origin: 'origin-1',
      message: { type: 'task_result', taskId: 'a', v: 2 },
      createdAt: t0,
      attempts: 2,
      nextAttemptAt: clock.now()
    })
    assert.deepEqual(ids(journal.outboxDue()), ['a', 'b', 'c'])

    journal.outboxRemove('b')
    journal.outboxRemove('b')
    journal.outboxDeferred('b', 0)
    assert.deepEqual(ids(journal.outboxDue()), ['a', 'c'])
    assert.equal(journal.stats().outbox, 2)
    db.close()
  })
})
