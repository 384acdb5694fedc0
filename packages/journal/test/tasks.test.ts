import assert from 'node:assert/strict'
import { once } from 'node:events'
import { join } from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { describe, it } from 'node:test'
import { at } from '@mesh-node/test-utils'
import { createTaskJournal, JournalError, type TaskJournal, type TaskRecord } from '../src/index.js'
import {
  assertConsistent,
  begin,
  type Clock,
  finish,
  manualClock,
  newTask,
  openTestDb,
  present,
  tempDir
} from './helpers.js'

const dir = tempDir()
let files = 0

function setup(): { journal: TaskJournal; db: DatabaseSync; clock: Clock; path: string; close: () => void } {
  const path = join(dir, `tasks-${files++}.db`)
  const db = openTestDb(path)
  const clock = manualClock()
  return { journal: createTaskJournal(db, { now: clock.now }), db, clock, path, close: () => db.close() }
}

describe('task journal: origin side', () => {
  it('records a lifecycle with a lost first attempt and a completed second one', () => {
    const { journal, clock, close } = setup()
    const seen: string[] = []
    journal.onChange((task) => seen.push(task.status))
    const t0 = clock.now()

    const accepted = journal.accept(newTask('t1'))
    assert.equal(accepted.status, 'queued')
    assert.deepEqual(accepted.attempts, [])
    assert.deepEqual(accepted.input, { text: 'hello t1', n: [1, 2, 3] })
    assert.equal(journal.status('t1'), 'queued')
    assert.equal(journal.status('no-such-task'), undefined)

    clock.tick(10)
    const first = journal.startAttempt('t1', 'peer-a', 'echo-a')
    assert.deepEqual(first, { n: 1, executor: 'peer-a', agent: 'echo-a', startedAt: t0 + 10 })
    assert.equal(journal.get('t1')?.status, 'assigned')
    assert.equal(journal.get('t1')?.executor, 'peer-a')
    journal.markRunning('t1')
    assert.equal(journal.get('t1')?.status, 'running')
    assert.equal(journal.status('t1'), 'running')

    clock.tick(10)
    const lost = { code: 'peer_unreachable', message: 'peer-a went away' }
    const requeued = journal.requeue('t1', 'lost', lost)
    assert.equal(requeued.status, 'queued')
    assert.equal(requeued.executor, undefined)
    assert.equal(requeued.agent, undefined)

    clock.tick(10)
    const second = journal.startAttempt('t1', 'peer-b')
    assert.equal(second.n, 2)
    journal.markRunning('t1')
    clock.tick(10)
    const done = journal.complete('t1', {
      result: { echoed: 'hello t1' },
      executor: 'peer-b',
      agent: 'echo-b',
      path: ['origin-peer', 'peer-b']
    })

    assert.deepEqual(journal.get('t1'), done)
    assert.equal(journal.status('t1'), 'completed')
    assert.deepEqual(done, {
      taskId: 't1',
      capability: 'echo',
      input: { text: 'hello t1', n: [1, 2, 3] },
      origin: 'origin-peer',
      status: 'completed',
      createdAt: t0,
      updatedAt: t0 + 40,
      deadline: 9_000_000_000_000,
      timeoutMs: 30_000,
      queue: true,
      executor: 'peer-b',
      agent: 'echo-b',
      result: { echoed: 'hello t1' },
      path: ['origin-peer', 'peer-b'],
      attempts: [
        {
          n: 1,
          executor: 'peer-a',
          agent: 'echo-a',
          startedAt: t0 + 10,
          endedAt: t0 + 20,
          outcome: 'lost',
          error: lost
        },
        // The agent learned from the result fills in the attempt.
        {
          n: 2,
          executor: 'peer-b',
          agent: 'echo-b',
          startedAt: t0 + 30,
          endedAt: t0 + 40,
          outcome: 'completed'
        }
      ]
    })
    assertConsistent(done)
    assert.deepEqual(seen, ['queued', 'assigned', 'running', 'queued', 'assigned', 'running', 'completed'])
    close()
  })

  it('closes attempts without moving the task, then fails or cancels it', () => {
    const { journal, close } = setup()
    journal.accept(newTask('busy'))
    const a = journal.startAttempt('busy', 'peer-a')
    journal.finishAttempt('busy', a.n, 'busy', { code: 'busy', message: 'all agents busy' })
    let task = present(journal.get('busy'))
    assert.equal(task.status, 'assigned')
    assert.equal(at(task.attempts, 0).outcome, 'busy')
    // A second finish of the same attempt is a duplicate and keeps the first outcome.
    journal.finishAttempt('busy', a.n, 'timeout')
    assert.equal(at(present(journal.get('busy')).attempts, 0).outcome, 'busy')
    assert.throws(() => journal.finishAttempt('busy', 7, 'lost'), { code: 'unknown_attempt' })

    journal.startAttempt('busy', 'peer-b')
    const error = { code: 'no_agent', message: 'nobody can echo' }
    task = journal.fail('busy', error, { executor: 'peer-b', path: ['origin-peer', 'peer-b'] })
    assert.equal(task.status, 'failed')
    assert.deepEqual(task.error, error)
    assert.deepEqual(task.path, ['origin-peer', 'peer-b'])
    assert.deepEqual(
      task.attempts.map((x) => [x.executor, x.outcome]),
      [
        ['peer-a', 'busy'],
        ['peer-b', 'failed']
      ]
    )
    assert.deepEqual(at(task.attempts, 1).error, error)
    assertConsistent(task)

    journal.accept(newTask('cancel-me'))
    journal.startAttempt('cancel-me', 'peer-a')
    const cancelled = present(journal.cancel('cancel-me'))
    assert.equal(cancelled.status, 'cancelled')
    assert.equal(at(cancelled.attempts, 0).outcome, 'cancelled')
    assertConsistent(cancelled)

    // Starting over while an attempt is open records the abandoned one as lost.
    journal.accept(newTask('restart'))
    journal.startAttempt('restart', 'peer-a')
    journal.startAttempt('restart', 'peer-b')
    task = present(journal.get('restart'))
    assert.deepEqual(
      task.attempts.map((x) => x.outcome),
      ['lost', undefined]
    )
    assertConsistent(task)
    close()
  })

  it('lists newest first with status filters and paging, and unfinished oldest first', () => {
    const { journal, clock, close } = setup()
    for (let i = 0; i < 10; i++) {
      journal.accept(newTask(`t${i}`))
      clock.tick(100)
    }
    // Accepted in the same millisecond: insertion order breaks the tie.
    journal.accept(newTask('tie-a'))
    journal.accept(newTask('tie-b'))
    for (const id of ['t1', 't4', 't7']) journal.complete(id, { result: id, executor: 'peer-a' })
    journal.fail('t2', { code: 'boom', message: 'boom' })
    journal.startAttempt('t3', 'peer-a')
    journal.startAttempt('t5', 'peer-a')
    journal.markRunning('t5')
    journal.cancel('t6')

    const ids = (tasks: TaskRecord[]): string[] => tasks.map((t) => t.taskId)
    assert.deepEqual(ids(journal.list()), 'tie-b tie-a t9 t8 t7 t6 t5 t4 t3 t2 t1 t0'.split(' '))
    assert.deepEqual(ids(journal.list({ status: 'completed' })), ['t7', 't4', 't1'])
    assert.deepEqual(ids(journal.list({ status: ['failed', 'cancelled'] })), ['t6', 't2'])
    assert.deepEqual(journal.list({ status: [] }), [])

    const page1 = journal.list({ limit: 4 })
    assert.deepEqual(ids(page1), ['tie-b', 'tie-a', 't9', 't8'])
    const page2 = journal.list({ limit: 4, before: page1.at(-1)?.createdAt })
    assert.deepEqual(ids(page2), ['t7', 't6', 't5', 't4'])
    const page3 = journal.list({ limit: 4, before: page2.at(-1)?.createdAt, status: ['queued', 'completed'] })
    assert.deepEqual(ids(page3), ['t1', 't0'])
    assert.equal(journal.list({ limit: 0 }).length, 0)
    assert.equal(journal.list({ limit: 1_000_000 }).length, 12)

    assert.deepEqual(ids(journal.unfinished()), ['t0', 't3', 't5', 't8', 't9', 'tie-a', 'tie-b'])
    for (const task of journal.list({ limit: 100 })) assertConsistent(task)

    assert.deepEqual(journal.stats(), {
      queued: 5,
      assigned: 1,
      running: 1,
      completed: 3,
      failed: 1,
      cancelled: 1,
      outbox: 0,
      executions: 0
    })
    close()
  })

  it('treats duplicates and late messages on finished tasks as no-ops', () => {
    const { journal, clock, close } = setup()
    journal.accept(newTask('dup'))
    assert.throws(
      () => journal.accept(newTask('dup', { capability: 'other' })),
      (err: unknown) => err instanceof JournalError && err.code === 'duplicate_task'
    )
    assert.equal(journal.get('dup')?.capability, 'echo')

    const attempt = journal.startAttempt('dup', 'peer-a')
    const first = journal.complete('dup', { result: 'first', executor: 'peer-a' })
    const changes: TaskRecord[] = []
    journal.onChange((task) => changes.push(task))
    clock.tick(50)

    assert.deepEqual(journal.complete('dup', { result: 'second', executor: 'peer-b' }), first)
    assert.deepEqual(journal.fail('dup', { code: 'late', message: 'late failure' }), first)
    assert.deepEqual(journal.requeue('dup', 'lost'), first)
    assert.deepEqual(journal.cancel('dup'), first)
    journal.markRunning('dup')
    journal.finishAttempt('dup', attempt.n, 'timeout')
    // Nothing to dispatch: the returned attempt is already closed.
    assert.equal(journal.startAttempt('dup', 'peer-c').outcome, 'completed')
    assert.deepEqual(journal.get('dup'), first)
    assert.deepEqual(changes, [], 'no change was announced')

    // A task finished before any attempt still refuses to start one.
    journal.accept(newTask('never-ran'))
    journal.cancel('never-ran')
    const none = journal.startAttempt('never-ran', 'peer-a')
    assert.equal(none.n, 0)
    assert.equal(none.outcome, 'cancelled')
    assert.deepEqual(journal.get('never-ran')?.attempts, [])

    // A late "running" after a requeue must not resurrect the old assignment.
    journal.accept(newTask('late'))
    journal.startAttempt('late', 'peer-a')
    journal.requeue('late', 'timeout')
    journal.markRunning('late')
    assert.equal(journal.get('late')?.status, 'queued')

    for (const op of [
      () => journal.complete('nope', { result: 1, executor: 'x' }),
      () => journal.fail('nope', { code: 'x', message: 'x' }),
      () => journal.requeue('nope', 'lost'),
      () => journal.startAttempt('nope', 'x'),
      () => journal.markRunning('nope'),
      () => journal.finishAttempt('nope', 1, 'lost')
    ]) {
      assert.throws(op, { name: 'JournalError', code: 'unknown_task' })
    }
    assert.equal(journal.cancel('nope'), undefined)
    assert.equal(journal.get('nope'), undefined)
    close()
  })

  it('rolls back a change that fails halfway', () => {
    const { journal, close } = setup()
    journal.accept(newTask('t'))
    journal.startAttempt('t', 'peer-a')
    // The open attempt is closed before the result is encoded; BigInt then
    // fails JSON encoding and the attempt must come back open.
    assert.throws(() => journal.complete('t', { result: 1n, executor: 'peer-a' }), TypeError)
    const task = present(journal.get('t'))
    assert.equal(task.status, 'assigned')
    assert.equal(at(task.attempts, 0).outcome, undefined)
    assert.throws(() => journal.accept(newTask('bad', { input: { n: 1n } })), TypeError)
    assert.equal(journal.get('bad'), undefined)
    // The handle is not left inside a transaction.
    journal.complete('t', { result: 1, executor: 'peer-a' })
    assert.equal(journal.get('t')?.status, 'completed')
    close()
  })

  it('notifies listeners after commit and survives a throwing one', async () => {
    const { journal, close } = setup()
    const warned = once(process, 'warning')
    const seen: Array<[string, string | undefined]> = []
    journal.onChange(() => {
      throw new Error('listener bug')
    })
    const unsubscribe = journal.onChange((task) => {
      // Reading back inside the listener sees the committed state.
      seen.push([task.status, journal.get(task.taskId)?.status])
    })
    journal.accept(newTask('t'))
    journal.startAttempt('t', 'peer-a')
    unsubscribe()
    journal.markRunning('t')
    assert.deepEqual(seen, [
      ['queued', 'queued'],
      ['assigned', 'assigned']
    ])
    assert.equal(journal.get('t')?.status, 'running')
    const [warning] = (await warned) as [Error & { code?: string }]
    assert.equal(warning.code, 'MESH_JOURNAL_LISTENER')
    close()
  })

  it('reads back identical records after closing and reopening', () => {
    const { journal, clock, path, close } = setup()
    journal.accept(newTask('a', { input: null, queue: false }))
    journal.accept(newTask('b', { input: ['x', { y: true }], deadline: 123 }))
    journal.startAttempt('b', 'peer-a', 'agent-1')
    clock.tick(5)
    journal.requeue('b', 'busy', { code: 'busy', message: 'busy' })
    journal.startAttempt('b', 'peer-b')
    journal.markRunning('b')
    journal.accept(newTask('c'))
    journal.complete('c', { result: null, executor: 'peer-a', path: ['p', 'q'] })
    journal.accept(newTask('d'))
    journal.fail('d', { code: 'deadline', message: 'too late' })
    begin(journal, 'e', 'peer-z', 'agent-9')
    finish(journal, 'e', 'peer-z', { status: 'completed', result: { v: 1 } })
    journal.outboxPut({ taskId: 'e', origin: 'peer-z', message: { type: 'task_result', taskId: 'e' } })

    const before = {
      list: journal.list({ limit: 10_000 }),
      unfinished: journal.unfinished(),
      execution: journal.getExecution('e', 'peer-z'),
      outbox: journal.outboxForOrigin('peer-z'),
      stats: journal.stats()
    }
    assert.equal(before.list.find((t) => t.taskId === 'c')?.result, null)
    close()

    const db = openTestDb(path)
    const reopened = createTaskJournal(db, { now: clock.now })
    assert.deepEqual(
      {
        list: reopened.list({ limit: 10_000 }),
        unfinished: reopened.unfinished(),
        execution: reopened.getExecution('e', 'peer-z'),
        outbox: reopened.outboxForOrigin('peer-z'),
        stats: reopened.stats()
      },
      before
    )
    assert.deepEqual(db.prepare(`SELECT value FROM journal_meta WHERE key = 'schema_version'`).get(), {
      __proto__: null,
      value: '1'
    })
    // A database written by a newer schema is refused rather than misread.
    db.exec(`UPDATE journal_meta SET value = '2' WHERE key = 'schema_version'`)
    assert.throws(() => createTaskJournal(db), { code: 'unsupported_schema' })
    db.close()
  })

  it('prunes old finished work but never unfinished tasks or pending results', () => {
    const { journal, db, clock, close } = setup()
    journal.accept(newTask('old-done'))
    journal.startAttempt('old-done', 'peer-a')
    journal.complete('old-done', { result: 1, executor: 'peer-a' })
    journal.accept(newTask('old-failed'))
    journal.fail('old-failed', { code: 'x', message: 'x' })
    journal.accept(newTask('old-queued'))
    journal.accept(newTask('old-running'))
    journal.startAttempt('old-running', 'peer-a')
    journal.markRunning('old-running')
    begin(journal, 'old-exec', 'peer-z')
    finish(journal, 'old-exec', 'peer-z', { status: 'completed', result: 1 })
    begin(journal, 'old-exec-undelivered', 'peer-z')
    finish(journal, 'old-exec-undelivered', 'peer-z', { status: 'completed', result: 2 })
    journal.outboxPut({ taskId: 'old-exec-undelivered', origin: 'peer-z', message: { result: 2 } })
    begin(journal, 'old-exec-running', 'peer-z')

    clock.tick(10_000)
    journal.accept(newTask('new-done'))
    journal.complete('new-done', { result: 2, executor: 'peer-a' })
    begin(journal, 'new-exec', 'peer-z')
    finish(journal, 'new-exec', 'peer-z', { status: 'failed', error: { code: 'x', message: 'x' } })

    assert.throws(() => journal.prune({ olderThanMs: -1 }), { code: 'invalid_argument' })
    assert.equal(journal.prune({ olderThanMs: 5_000 }), 3)
    assert.deepEqual(
      journal
        .list()
        .map((t) => t.taskId)
        .sort(),
      ['new-done', 'old-queued', 'old-running']
    )
    assert.equal(journal.getExecution('old-exec', 'peer-z'), undefined)
    assert.equal(journal.getExecution('old-exec-undelivered', 'peer-z')?.status, 'completed')
    assert.equal(journal.getExecution('old-exec-running', 'peer-z')?.status, 'running')
    assert.equal(journal.getExecution('new-exec', 'peer-z')?.status, 'failed')
    assert.equal(journal.outboxForOrigin('peer-z').length, 1)
    assert.equal(journal.get('old-running')?.attempts.length, 1)
    const orphans = db.prepare(`SELECT COUNT(*) AS n FROM journal_attempts WHERE task_id = 'old-done'`).get()
    assert.equal(orphans?.n, 0, 'attempts go with their task')
    // Nothing left to prune: a second pass is a no-op.
    assert.equal(journal.prune({ olderThanMs: 5_000 }), 0)
    close()
  })
})

describe('task journal: attempt tokens', () => {
  it("keeps each attempt's token with its peer, across a reopen, and never lists it", () => {
    const { journal, path, close } = setup()
    journal.accept(newTask('t1'))
    journal.startAttempt('t1', 'peer-a', undefined, 'token-a')
    journal.startAttempt('t1', 'peer-b')
    journal.startAttempt('t1', 'peer-c', undefined, 'token-c')
    close()
    const db = openTestDb(path)
    const reopened = createTaskJournal(db)
    assert.deepEqual(reopened.attemptTokens('t1'), [
      { peer: 'peer-a', token: 'token-a' },
      { peer: 'peer-c', token: 'token-c' }
    ])
    assert.deepEqual(reopened.attemptTokens('unknown'), [])
    assert.ok(!JSON.stringify(reopened.get('t1')).includes('token-'), 'tokens are not part of the record')
    db.close()
  })
})

describe('task journal: group', () => {
  it('commits several writes at once, undoes a failing one alone, and announces them after the commit', () => {
    const { journal, db, path, close } = setup()
    const other = openTestDb(path)
    const seen: Array<{ id: string; inTransaction: boolean; visibleElsewhere: boolean }> = []
    journal.onChange((task) =>
      seen.push({
        id: task.taskId,
        inTransaction: db.isTransaction,
        visibleElsewhere:
          other.prepare('SELECT count(*) AS n FROM journal_tasks WHERE task_id = ?').get(task.taskId)?.n === 1
      })
    )
    const outcomes = journal.group([
      () => journal.accept(newTask('g1')),
      () => journal.accept(newTask('g1')),
      () => journal.accept(newTask('g2')),
      () => journal.startAttempt('no-such-task', 'peer-a')
    ])
    assert.equal((outcomes[0] as TaskRecord).taskId, 'g1')
    assert.match(String(outcomes[1]), /already accepted/)
    assert.equal((outcomes[2] as TaskRecord).taskId, 'g2')
    assert.match(String(outcomes[3]), /no task no-such-task/)
    assert.deepEqual(
      seen,
      [
        { id: 'g1', inTransaction: false, visibleElsewhere: true },
        { id: 'g2', inTransaction: false, visibleElsewhere: true }
      ],
      'each change announced once, after the commit, when another connection sees it'
    )
    assert.match(String(journal.group([() => journal.group([])])[0]), /does not nest/)
    other.close()
    close()
  })
})
