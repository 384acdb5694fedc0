import { CliError, printTable } from '@mesh-node/cli-kit'
import type { TaskInfo } from '@mesh-node/client'

const ms = (n: number): string => `${n.toFixed(1)} ms`

/**
 * `task ID --trace`: the hops in path order. Each node's times are by its
 * own clock and its own word (unsigned), so they are shown, never trusted:
 * RECEIVED is relative to the origin and only as right as the clocks agree.
 */
export function printTrace(task: TaskInfo, peer: (id: string) => string): void {
  const trace = task.trace
  const origin = trace?.spans[0]
  if (trace == null || origin == null)
    throw new CliError(
      `task ${task.taskId} has no trace on this node yet: traces are kept on the origin, in memory, once an attempt has ended (role here: ${task.role})`,
      'no_trace'
    )
  const total = origin.queuedMs + origin.executedMs + origin.forwardedMs
  process.stdout.write(`trace      ${trace.traceId}\ntotal      ${ms(total)}\n\n`)
  printTable(
    ['HOP', 'NODE', 'ROLE', 'RECEIVED', 'QUEUED', 'EXECUTED', 'FORWARDED'],
    trace.spans.map((s, i) => [
      String(i),
      peer(s.peerId),
      i === 0 ? 'origin' : s.role,
      `+${ms(Math.max(0, s.receivedAt - origin.receivedAt))}`,
      ms(s.queuedMs),
      ms(s.executedMs),
      ms(s.forwardedMs)
    ]),
    'no hops'
  )
}
