import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { createTaskJournal, type JournalError } from '../src/index.js'
import { manualClock, newTask, openTestDb, present, tempDir } from './helpers.js'

const dir = tempDir()
let files = 0
const nextPath = (): string => join(dir, `keys-${files++}.db`)

describe('task journal: idempotency keys and routes', () => {
  it('finds a task by its key, refuses the key twice, and keeps both across a reopen', () => {
    const path = nextPath()
    const db = openTestDb(path)
    const journal = createTaskJournal(db)
    const route = { candidates: ['peer-a', 'peer-b'], bids: [{ peer: 'peer-a', agent: 'a1' }] }
    journal.accept(newTask('t1', { idempotencyKey: 'k-1', requestHash: 'h1', route }))
    assert.throws(
      () => journal.accept(newTask('t2', { idempotencyKey: 'k-1', requestHash: 'h2' })),
      (err: JournalError) => err.code === 'duplicate_key'
    )
    assert.equal(journal.get('t2'), undefined, 'nothing was written for the refused task')
    journal.accept(newTask('t3'))
    db.close()

    const reopened = createTaskJournal(openTestDb(path))
    const found = present(reopened.getByKey('k-1'), 'the task of k-1')
    assert.equal(found.taskId, 't1')
    assert.equal(found.requestHash, 'h1')
    assert.deepEqual(found.route, route)
    assert.equal(reopened.getByKey('k-2'), undefined)
    const plain = present(reopened.get('t3'))
    assert.equal(plain.idempotencyKey, undefined)
    assert.equal(plain.route, undefined)
  })

  it('frees a key when its task is pruned', () => {
    const clock = manualClock()
    const journal = createTaskJournal(openTestDb(nextPath()), { now: clock.now })
    journal.accept(newTask('t1', { idempotencyKey: 'k-1' }))
    journal.complete('t1', { result: 1, executor: 'p' })
    clock.tick(10_000)
    assert.equal(journal.prune({ olderThanMs: 5000 }), 1)
    assert.equal(journal.getByKey('k-1'), undefined)
    journal.accept(newTask('t2', { idempotencyKey: 'k-1' }))
    assert.equal(journal.getByKey('k-1')?.taskId, 't2')
  })

  it('upgrades a journal written before keys existed, keeping its tasks', () => {
    const path = nextPath()
    const db = openTestDb(path)
    // The version-1 table, exactly as it shipped.
    db.exec(`
      CREATE TABLE journal_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO journal_meta VALUES ('schema_version', '1');
      CREATE TABLE journal_tasks (
        seq INTEGER PRIMARY KEY, task_id TEXT NOT NULL UNIQUE, capability TEXT NOT NULL,
        input TEXT NOT NULL, origin TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL, deadline INTEGER NOT NULL, timeout_ms INTEGER NOT NULL,
        queue INTEGER NOT NULL, executor TEXT, agent TEXT, result TEXT, error TEXT, path TEXT);
      INSERT INTO journal_tasks (task_id, capability, input, origin, status, created_at, updated_at, deadline, timeout_ms, queue)
      VALUES ('old', 'echo', '"hi"', 'o', 'queued', 1, 1, 99, 30000, 0);`)
    const journal = createTaskJournal(db)
    assert.equal(present(journal.get('old')).input, 'hi')
    journal.accept(newTask('new', { idempotencyKey: 'k' }))
    assert.equal(journal.getByKey('k')?.taskId, 'new')
    assert.deepEqual(
      journal.unfinished().map((t) => t.taskId),
      ['old', 'new']
    )
  })
})
