import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, it } from 'node:test'
import { at, last } from '@mesh-node/test-utils'
import { createTaskJournal, type TaskRecord } from '../src/index.js'
import { assertConsistent, openTestDb, signature, tempDir } from './helpers.js'

const PAD = 2000

/**
 * Every state a task passes through in the child, by `index % 6`. A crash may
 * stop a task anywhere along its row, but never between two entries.
 */
const PLANS = [
  ['queued:'],
  ['queued:', 'assigned:open', 'running:open'],
  ['queued:', 'assigned:open', 'running:open', 'completed:completed'],
  [
    'queued:',
    'assigned:open',
    'queued:lost',
    'assigned:lost,open',
    'running:lost,open',
    'failed:lost,failed'
  ],
  ['queued:', 'assigned:open', 'assigned:busy', 'assigned:busy,open', 'cancelled:busy,cancelled'],
  ['queued:', 'assigned:open', 'queued:timeout']
]

const taskId = (i: number): string => `task-${String(i).padStart(6, '0')}`
const indexOf = (id: string): number => Number(id.slice(5))

/**
 * The child commits one transition at a time and prints `<taskId> <state>`
 * after each commit, optionally padded. It writes to fd 1 directly because
 * `process.stdout` buffers in memory and would let the child commit far
 * ahead of what it printed. Padded lines fill the pipe after a few dozen
 * unread lines, so the child blocks in write() instead of racing to the end;
 * each line stays under PIPE_BUF, so it arrives whole or not at all.
 */
function childSource(journalUrl: string): string {
  return `
import { writeSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { createTaskJournal } from ${JSON.stringify(journalUrl)}

const [dbPath, first, count, padLength] = process.argv.slice(2)
const signature = ${signature.toString()}
const db = new DatabaseSync(dbPath)
db.exec('PRAGMA journal_mode = WAL')
db.exec('PRAGMA synchronous = NORMAL')
const journal = createTaskJournal(db)
const pad = padLength === '0' ? '' : ' ' + 'x'.repeat(Number(padLength))
const error = (code) => ({ code, message: code })

for (let i = Number(first); i < Number(first) + Number(count); i++) {
  const id = 'task-' + String(i).padStart(6, '0')
  const step = (change) => {
    change()
    writeSync(1, id + ' ' + signature(journal.get(id)) + pad + '\\n')
  }
  step(() => journal.accept({ taskId: id, capability: 'echo', input: { i }, origin: 'origin', deadline: Date.now() + 60000, timeoutMs: 1000, queue: true }))
  switch (i % 6) {
    case 1:
      step(() => journal.startAttempt(id, 'peer-a'))
      step(() => journal.markRunning(id))
      break
    case 2:
      step(() => journal.startAttempt(id, 'peer-a', 'agent-a'))
      step(() => journal.markRunning(id))
      step(() => journal.complete(id, { result: { i }, executor: 'peer-a' }))
      break
    case 3:
      step(() => journal.startAttempt(id, 'peer-a'))
      step(() => journal.requeue(id, 'lost', error('peer_unreachable')))
      step(() => journal.startAttempt(id, 'peer-b'))
      step(() => journal.markRunning(id))
      step(() => journal.fail(id, error('agent_error'), { executor: 'peer-b' }))
      break
    case 4:
      step(() => journal.startAttempt(id, 'peer-a'))
      step(() => journal.finishAttempt(id, 1, 'busy'))
      step(() => journal.startAttempt(id, 'peer-b'))
      step(() => journal.cancel(id))
      break
    case 5:
      step(() => journal.startAttempt(id, 'peer-a'))
      step(() => journal.requeue(id, 'timeout'))
      break
  }
}
writeSync(1, 'done\\n')
`
}

interface Run {
  /** Last state printed per task, in print order */
  printed: Map<string, string>
  lines: number
}

/** Runs the child on `dbPath` and SIGKILLs it once `killAfter` lines have been read. */
async function runAndKill(
  dir: string,
  dbPath: string,
  opts: { first: number; count: number; pad: number; killAfter: number }
): Promise<Run> {
  const script = join(dir, 'child.mjs')
  writeFileSync(script, childSource(new URL('../src/index.js', import.meta.url).href))
  const args = [script, dbPath, String(opts.first), String(opts.count), String(opts.pad)]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const lines: string[] = []
  const reader = createInterface({ input: child.stdout })
  const drained = once(reader, 'close')
  reader.on('line', (line) => {
    lines.push(line)
    if (lines.length === opts.killAfter) child.kill('SIGKILL')
  })
  // Keep reading after the kill: lines already in the pipe were committed too.
  const [[code, signal]] = await Promise.all([exited, drained])
  assert.equal(signal, 'SIGKILL', `child exited on its own (code ${code}): ${stderr}`)
  assert.ok(!lines.includes('done'), 'the child was killed before finishing its loop')

  const printed = new Map<string, string>()
  for (const line of lines) {
    const [id, state, pad] = line.split(' ')
    // A partial last line was never fully printed, so it proves nothing.
    if (id == null || state == null || (opts.pad > 0 && pad?.length !== opts.pad)) continue
    printed.set(id, state)
  }
  return { printed, lines: lines.length }
}

/**
 * Every task on disk is in a state its plan passes through (nothing
 * half-applied), consistent with its attempts, and at least as far along as
 * the child last printed (nothing committed was lost).
 */
function assertSurvived(stored: TaskRecord[], printed: Map<string, string>): void {
  const byId = new Map(stored.map((task) => [task.taskId, task]))
  for (const task of stored) {
    assertConsistent(task)
    const plan = at(PLANS, indexOf(task.taskId) % 6)
    assert.ok(plan.includes(signature(task)), `${task.taskId} is in a state of its plan: ${signature(task)}`)
  }
  for (const [id, state] of printed) {
    const task = byId.get(id)
    assert.ok(task != null, `printed task ${id} survived the crash`)
    const plan = at(PLANS, indexOf(id) % 6)
    assert.ok(
      plan.indexOf(signature(task)) >= plan.indexOf(state),
      `${id} is no earlier than printed: ${signature(task)} vs ${state}`
    )
  }
}

function reopen(dbPath: string): { stored: TaskRecord[]; close: () => void } {
  const db = openTestDb(dbPath)
  assert.deepEqual(db.prepare('PRAGMA integrity_check').all(), [{ __proto__: null, integrity_check: 'ok' }])
  const journal = createTaskJournal(db)
  return { stored: journal.list({ limit: 10_000 }), close: () => db.close() }
}

describe('task journal: crash safety', () => {
  it('keeps every committed change when killed with SIGKILL mid-loop', { timeout: 60_000 }, async (t) => {
    const dir = tempDir()
    const dbPath = join(dir, 'crash.db')
    const tasks = 200
    const { printed, lines } = await runAndKill(dir, dbPath, {
      first: 0,
      count: tasks,
      pad: PAD,
      killAfter: 150
    })
    assert.ok(printed.size > 10 && printed.size < tasks, `killed mid-loop, after ${printed.size} tasks`)
    t.diagnostic(`killed after ${lines} printed commits, ${printed.size} of ${tasks} tasks`)

    const { stored, close } = reopen(dbPath)
    assertSurvived(stored, printed)
    // The child was blocked printing, so it is at most one commit ahead:
    // either the last printed task moved one step, or the next one was accepted.
    const lastId = last([...printed.keys()])
    const unprinted = stored.filter((task) => !printed.has(task.taskId))
    assert.ok(unprinted.length <= 1, `unprinted tasks: ${unprinted.map((task) => task.taskId)}`)
    for (const task of stored) {
      if (task.taskId === lastId && unprinted.length === 0) continue
      if (unprinted.includes(task)) {
        assert.equal(task.taskId, taskId(indexOf(lastId) + 1))
        assert.equal(signature(task), 'queued:')
        continue
      }
      assert.equal(signature(task), printed.get(task.taskId), `state of ${task.taskId}`)
    }
    close()
  })

  it('recovers cleanly from repeated kills that land inside transactions', { timeout: 60_000 }, async (t) => {
    const dir = tempDir()
    const dbPath = join(dir, 'churn.db')
    const printed = new Map<string, string>()
    // Unpadded lines never fill the pipe, so the child commits flat out and
    // the kill lands wherever it happens to be, usually inside SQLite. Each
    // round reopens the database the previous kill left behind.
    for (let round = 0; round < 3; round++) {
      const run = await runAndKill(dir, dbPath, {
        first: round * 100_000,
        count: 50_000,
        pad: 0,
        killAfter: 300
      })
      for (const [id, state] of run.printed) printed.set(id, state)
      const { stored, close } = reopen(dbPath)
      t.diagnostic(`round ${round}: ${run.lines} commits printed, ${stored.length} tasks stored in total`)
      assertSurvived(stored, printed)
      close()
    }
  })
})
