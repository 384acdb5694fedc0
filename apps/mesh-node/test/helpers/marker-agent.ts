import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { TaskInfo } from '@mesh-node/client'
import { execAgent } from './agents.js'
import type { TestDaemon } from './daemon.js'
import { waitFor } from './wait.js'

/**
 * An exec agent with a side effect: each run appends "attempt N" to a
 * marker file named after its task, then sleeps `input.ms`, then answers
 * with the attempt it saw. The marker counts the runs, whatever the daemons say.
 */
export function markerAgent(dir: string): {
  config: Record<string, unknown>
  runs: (taskId: string) => string[]
  /** Milliseconds since the last run of the task started (its marker's mtime), or -1 before any. */
  runningFor: (taskId: string) => number
} {
  const markers = join(dir, 'markers')
  mkdirSync(markers)
  const command = execAgent(
    dir,
    'once',
    `  const { appendFileSync } = await import('node:fs')
  appendFileSync(${JSON.stringify(markers)} + '/' + req.taskId, 'attempt ' + process.env.MESH_ATTEMPT + '\\n')
  setTimeout(() => process.stdout.write(JSON.stringify({ attempt: process.env.MESH_ATTEMPT, seen: req.attempt })), req.input.ms)`
  )
  return {
    config: {
      agents: [{ name: 'once', capabilities: ['once'], capacity: 2, handler: { kind: 'exec', command } }]
    },
    runningFor: (taskId) => {
      const file = join(markers, taskId)
      return existsSync(file) ? Date.now() - statSync(file).mtimeMs : -1
    },
    runs: (taskId) => {
      const file = join(markers, taskId)
      return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []
    }
  }
}

export async function finished(d: TestDaemon, taskId: string, timeoutMs: number): Promise<TaskInfo> {
  let last: TaskInfo | undefined
  return await waitFor(
    async () => {
      last = await d.client.task(taskId)
      return ['completed', 'failed', 'cancelled'].includes(last.status) ? last : undefined
    },
    { timeoutMs, message: () => `task ${taskId} to finish: ${JSON.stringify(last)}` }
  )
}
