// Why a task of a chaos run ran twice, read after the run from what the
// daemons left behind: the origin's journaled attempts (the task list), the
// executions table of every node, and every node's log. Each cause names one
// of the cases in ARCHITECTURE.md, "A task can run twice"; anything else is
// reported as a defect.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'

/** What each node's journal and log say of the given tasks: `taskId -> { interrupted, regained }`. */
export function hopEvidence(dataDirs, taskIds) {
  const wanted = new Set(taskIds)
  const evidence = new Map([...wanted].map((id) => [id, { interrupted: false, regained: false }]))
  for (const dir of dataDirs) {
    const db = new DatabaseSync(join(dir, 'mesh.db'), { readOnly: true })
    try {
      const rows = db.prepare("SELECT task_id, error FROM journal_executions WHERE status = 'failed'").all()
      for (const row of rows)
        if (wanted.has(row.task_id) && JSON.parse(row.error ?? '{}').code === 'interrupted')
          evidence.get(row.task_id).interrupted = true
    } finally {
      db.close()
    }
    const log = join(dir, 'daemon.log')
    if (!existsSync(log)) continue
    for (const line of readFileSync(log, 'utf8').split('\n')) {
      if (!line.includes('lost the session to a peer running the task')) continue
      const taskId = JSON.parse(line).taskId
      if (wanted.has(taskId)) evidence.get(taskId).regained = true
    }
  }
  return evidence
}

/**
 * `on`: the daemons the task ran on, in order; `attempts`: what its run
 * said each time; `record`: the origin's task; `hop`: hopEvidence's entry.
 */
export function causeOf({ on, attempts, record, hop }) {
  if (new Set(on).size === 1)
    return Math.max(...attempts) > 1
      ? 'same executor, announced attempt 2 after its crash (case 4)'
      : 'same executor, unannounced (a defect)'
  const codes = new Set((record?.attempts ?? []).map((a) => a.error?.code ?? a.outcome))
  if (codes.has('origin_restarted')) return 'different executors: the origin restarted mid-run (case 2)'
  if (codes.has('executor_lost')) return 'different executors: the executor was lost mid-run (case 1)'
  if (codes.has('attempt_timeout') || codes.has('timeout'))
    return 'different executors: attempt timeout (case 3)'
  // The origin saw one attempt: the second run was a forwarder's doing.
  if (hop?.interrupted) return 'different executors behind a forwarder: the first was killed mid-run (case 1)'
  if (hop != null && !hop.regained)
    return 'different executors behind a forwarder: a hop was lost before the confirmation reached it (case 1)'
  return `different executors: other (${[...codes].sort().join(', ')}${hop?.regained ? ', regained' : ''}) (a defect)`
}
