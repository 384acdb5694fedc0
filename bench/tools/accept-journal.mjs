#!/usr/bin/env node
// The journal's share of the accept path, in CPU time (load on a shared
// machine stretches wall time, much less CPU time): N accepts one transaction
// each (`accept`) against the same N in groups of G (`acceptMany`, the group
// commit POST /v1/tasks uses), on a real database file as the daemon opens it.
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

function measure(name, run) {
  const dir = mkdtempSync(join(tmpdir(), 'accept-journal-'))
  const db = openDatabase(join(dir, 'mesh.db'))
  const journal = createTaskJournal(db)
  run(journal, 500) // warm-up
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  run(journal, n)
  const cpu = process.cpuUsage(cpu0)
  const wall = performance.now() - t0
  const cpuUs = (cpu.user + cpu.system) / n
  console.log(
    `${name}: ${cpuUs.toFixed(1)} µs CPU per accept (${Math.round(1e6 / cpuUs)}/s on one core), wall ${((wall * 1000) / n).toFixed(1)} µs`
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
