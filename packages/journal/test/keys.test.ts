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

  it('group commit: acceptMany records a group in one go, refusing only the duplicates in it', () => {
    const journal = createTaskJournal(openTestDb(nextPath()))
    journal.accept(newTask('t0', { idempotencyKey: 'k-0' }))
    const outcomes = journal.acceptMany([
      newTask('t1', { idempotencyKey: 'k-1' }),
      newTask('t2', { idempotencyKey: 'k-1' }),
      newTask('t0'),
      newTask('t3', { idempotencyKey: 'k-0' }),
      newTask('t4')
    ])
    const codes = outcomes.map((o) => ('code' in o ? o.code : o.taskId))
    assert.deepEqual(codes, ['t1', 'duplicate_key', 'duplicate_task', 'duplicate_key', 't4'])
    assert.equal(present(journal.getByKey('k-1')).taskId, 't1')
    assert.equal(journal.get('t2'), undefined, 'nothing was written for a refused task')
    assert.equal(journal.get('t3'), undefined)
    assert.equal(present(journal.get('t4')).status, 'queued')
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

  it('prunes by size: the oldest finished tasks first, never an unfinished one', () => {
    const clock = manualClock()
    const journal = createTaskJournal(openTestDb(nextPath()), { now: clock.now })
    const pad = 'x'.repeat(10_000)
    journal.accept(newTask('open', { input: pad }))
    for (let i = 0; i < 10; i++) {
      journal.accept(newTask(`t${i}`, { input: pad }))
      clock.tick()
      journal.complete(`t${i}`, { result: i, executor: 'p' })
    }
    const each = journal.taskBytes() / 11
    assert.ok(each > 10_000 && each < 11_000, `a task of 10 KB input counts about that: ${each}`)
    const maxBytes = Math.floor(each * 4.5)
    const removed = journal.prune({ olderThanMs: 86_400_000, maxBytes })
    assert.equal(removed, 7)
    assert.ok(journal.taskBytes() <= maxBytes)
    assert.deepEqual(
      journal
        .list()
        .map((t) => t.taskId)
        .sort(),
      ['open', 't7', 't8', 't9']
    )
    // Only unfinished work left over the bound: it stays.
    assert.equal(journal.prune({ olderThanMs: 86_400_000, maxBytes: 0 }), 3)
    assert.deepEqual(
      journal.list().map((t) => t.taskId),
      ['open']
    )
    assert.throws(() => journal.prune({ olderThanMs: 0, maxBytes: -1 }), { code: 'invalid_argument' })
  })
})
