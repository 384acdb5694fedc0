#!/usr/bin/env node
// The origin journal's CPU time (load on a shared machine stretches wall
// time, much less CPU time), on a real database file as the daemon opens it:
// - the accept path: N accepts one transaction each (`accept`) against the
//   same N in groups of G (`acceptMany`);
// - a task's whole life here: accept, the attempt started, the result (what
//   the dispatcher writes for a task it sends to a peer), one transaction per
//   write against the writes of G tasks in one transaction each
//   (`journal.group`, the dispatcher's group commit of one turn).
// Usage: node bench/tools/accept-journal.mjs [n=20000] [group=32]
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTaskJournal } from '../../packages/journal/dist/src/index.js'
import { openDatabase } from '../../packages/store/dist/src/database.js'

const [n = 20000, group = 32] = process.argv.slice(2).map(Number)
const input = { text: 'x'.repeat(120), n: 1 }
const task = () => ({
  taskId: randomUUID(),
  capability: 'echo',
  input,
  origin: 'self',
  timeoutMs: 30_000,
  queue: false,
  deadline: Date.now() + 30_000
})

const EXECUTOR = '12D3KooWLW9YqkAbCdEfGhJkLmNpQrStUvWxYz123456X95yK6'
const outcome = { result: input, executor: EXECUTOR, agent: 'echo', path: ['self', EXECUTOR] }

function measure(name, run, per = 'accept') {
  const dir = mkdtempSync(join(tmpdir(), 'accept-journal-'))
  const db = openDatabase(join(dir, 'mesh.db'))
  const journal = createTaskJournal(db)
  let events = 0
  journal.onChange(() => events++)
  run(journal, 500) // warm-up
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  run(journal, n)
  const cpu = process.cpuUsage(cpu0)
  const wall = performance.now() - t0
  const cpuUs = (cpu.user + cpu.system) / n
  console.log(
    `${name}: ${cpuUs.toFixed(1)} µs CPU per ${per} (${Math.round(1e6 / cpuUs)}/s on one core), wall ${((wall * 1000) / n).toFixed(1)} µs, ${(events / (n + 500)).toFixed(1)} change events each`
  )
  db.close()
  rmSync(dir, { recursive: true, force: true })
}

measure('one transaction per accept', (j, count) => {
  for (let i = 0; i < count; i++) j.accept(task())
})
measure(`group commit, ${group} per transaction`, (j, count) => {
  for (let i = 0; i < count; i += group)
    j.acceptMany(Array.from({ length: Math.min(group, count - i) }, task))
})
measure(
  'task life, one transaction per write',
  (j, count) => {
    for (let i = 0; i < count; i++) {
      const t = j.accept(task())
      j.startAttempt(t.taskId, EXECUTOR, undefined, 'token')
      j.complete(t.taskId, outcome)
    }
  },
  'task'
)
measure(
  `task life, ${group} tasks per transaction of each kind`,
  (j, count) => {
    for (let i = 0; i < count; i += group) {
      const tasks = Array.from({ length: Math.min(group, count - i) }, task)
      j.group(tasks.map((t) => () => j.accept(t)))
      j.group(tasks.map((t) => () => j.startAttempt(t.taskId, EXECUTOR, undefined, 'token')))
      j.group(tasks.map((t) => () => j.complete(t.taskId, outcome)))
    }
  },
  'task'
)
