#!/usr/bin/env node
// Disk growth of the task journal per 100,000 tasks: an origin's journal as a
// busy node writes it (accept, one attempt, complete, each its own
// transaction, the way the daemon does), on a fresh mesh.db, measured as the
// file's size after a WAL checkpoint. Also prints the journal's own size
// estimate (what tasks.retentionMaxBytes is compared with), and checks that
// pruning by size brings it under a bound and that the file then stops growing.
// Usage: node bench/tools/journal-growth.mjs [tasks=100000] [payloadBytes=64]
// (run `pnpm build` first). Prints one JSON object.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTaskJournal } from '../../packages/journal/dist/src/index.js'
import { openDatabase } from '../../packages/store/dist/src/index.js'

const [tasks = 100_000, payloadBytes = 64] = process.argv.slice(2).map(Number)
const dir = mkdtempSync(join(tmpdir(), 'mesh-journal-growth-'))
const path = join(dir, 'mesh.db')
const db = openDatabase(path)
const journal = createTaskJournal(db)
const origin = '12D3KooWSZiwQmGz3jVkTWuzmDWiD9tb4QxgYtEdBKTdDLz6DZxm'
const executor = '12D3KooWLW9YqRQJuC6Vhd6hpkV8ybJ6w2yjrdYkc3LfVSX95yK6'
const text = 'x'.repeat(payloadBytes)

const fileBytes = () => {
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  return statSync(path).size
}

function run(count, from) {
  for (let i = from; i < from + count; i++) {
    const taskId = crypto.randomUUID()
    journal.accept({
      taskId,
      capability: 'text.upper',
      input: { text },
      origin,
      deadline: Date.now() + 30_000,
      timeoutMs: 30_000,
      queue: false,
      idempotencyKey: crypto.randomUUID(),
      requestHash: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c'
    })
    journal.startAttempt(taskId, executor, 'upper')
    journal.complete(taskId, {
      result: { text: text.toUpperCase() },
      executor,
      agent: 'upper',
      path: [origin, executor]
    })
  }
}

const started = Date.now()
const empty = fileBytes()
run(tasks, 0)
const full = fileBytes()
const estimate = journal.taskBytes()
const seconds = (Date.now() - started) / 1000
// Prune to half, then write as many again: freed pages are reused.
const bound = Math.floor(estimate / 2)
const pruned = journal.prune({ olderThanMs: 365 * 86_400_000, maxBytes: bound })
const afterPrune = journal.taskBytes()
run(Math.floor(tasks / 4), tasks)
const refilled = fileBytes()
db.close()
rmSync(dir, { recursive: true, force: true })
const per100k = (bytes) => Math.round((bytes / tasks) * 100_000)
console.log(
  JSON.stringify(
    {
      tasks,
      payloadBytes,
      fileBytesPer100kTasks: per100k(full - empty),
      bytesPerTask: Math.round((full - empty) / tasks),
      estimatePer100kTasks: per100k(estimate),
      estimateOverFile: Math.round((estimate / (full - empty)) * 1000) / 1000,
      writeSeconds: Math.round(seconds * 10) / 10,
      prune: {
        maxBytes: bound,
        pruned,
        estimateAfter: afterPrune,
        fileAfterRefill: refilled,
        fileBefore: full
      }
    },
    null,
    2
  )
)
