import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after } from 'node:test'
import { last } from '@mesh-node/test-utils'
import type { NewTask, TaskJournal, TaskRecord } from '../src/index.js'

/** A temp dir removed when the calling test file finishes. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-journal-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** The same pragmas `@mesh-node/store`'s openDatabase sets, without depending on it. */
export function openTestDb(path: string): DatabaseSync {
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = NORMAL')
  db.exec('PRAGMA busy_timeout = 2000')
  return db
}

export interface Clock {
  now: () => number
  tick: (ms?: number) => number
}

/** A clock tests move by hand, so ordering never depends on timing. */
export function manualClock(start = 1_000_000): Clock {
  let t = start
  return {
    now: () => t,
    tick: (ms = 1) => {
      t += ms
      return t
    }
  }
}

export function newTask(taskId: string, overrides: Partial<NewTask> = {}): NewTask {
  return {
    taskId,
    capability: 'echo',
    input: { text: `hello ${taskId}`, n: [1, 2, 3] },
    origin: 'origin-peer',
    deadline: 9_000_000_000_000,
    timeoutMs: 30_000,
    queue: true,
    ...overrides
  }
}

/**
 * The invariants a task must satisfy after any sequence of committed
 * transitions: attempts numbered 1..n, at most one open and only the last,
 * and the status agrees with them.
 */
export function assertConsistent(task: TaskRecord): void {
  const where = `task ${task.taskId} (${task.status})`
  task.attempts.forEach((attempt, i) => {
    assert.equal(attempt.n, i + 1, `${where}: attempts numbered in order`)
    assert.equal(
      attempt.outcome == null,
      attempt.endedAt == null,
      `${where}: outcome and endedAt go together`
    )
  })
  const open = task.attempts.filter((a) => a.outcome == null)
  assert.ok(open.length <= 1, `${where}: at most one open attempt`)
  if (open.length === 1)
    assert.equal(open[0], task.attempts.at(-1), `${where}: only the last attempt is open`)
  switch (task.status) {
    case 'queued':
      assert.equal(open.length, 0, `${where}: no open attempt`)
      assert.equal(task.executor, undefined, `${where}: no executor`)
      break
    case 'assigned':
    case 'running':
      assert.ok(task.attempts.length > 0, `${where}: has an attempt`)
      assert.equal(task.executor, last(task.attempts).executor, `${where}: executor is the last attempt's`)
      break
    case 'completed':
      assert.equal(open.length, 0, `${where}: no open attempt`)
      assert.ok('result' in task, `${where}: has a result`)
      if (task.attempts.length > 0) assert.equal(last(task.attempts).outcome, 'completed')
      break
    case 'failed':
      assert.equal(open.length, 0, `${where}: no open attempt`)
      assert.ok(task.error != null, `${where}: has an error`)
      break
    case 'cancelled':
      assert.equal(open.length, 0, `${where}: no open attempt`)
      break
  }
}

/**
 * A compact, comparable summary of a task's state. Also shipped to the crash
 * test's child process as source, so both sides summarise identically.
 */
export function signature(task: { status: string; attempts: Array<{ outcome?: string }> }): string {
  return `${task.status}:${task.attempts.map((a) => a.outcome ?? 'open').join(',')}`
}

export { present } from '@mesh-node/test-utils'

type ExecutorSide = Pick<TaskJournal, 'beginExecutions' | 'recordExecutions'>

/** Begins one execution, as the executor's group commit does for one tick's starts. */
export function begin(journal: ExecutorSide, taskId: string, origin: string, agent?: string): void {
  journal.beginExecutions([{ taskId, origin, attempt: 1, ...(agent != null ? { agent } : {}) }])
}

/** Records one execution's outcome, as the executor's group commit does. */
export function finish(
  journal: ExecutorSide,
  taskId: string,
  origin: string,
  outcome: Parameters<TaskJournal['recordExecutions']>[0][number]['outcome']
): void {
  journal.recordExecutions([{ taskId, origin, outcome }])
}
