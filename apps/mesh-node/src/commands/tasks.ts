import { CliError, printJson, printTable } from '@mesh-node/cli-kit'
import type { TaskInfo } from '@mesh-node/client'
import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'
import { labelPeer, resolveTaskId, shortTask } from '../ids.js'
import { printTrace } from '../trace.js'

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19)

export function taskCommand(): Command {
  return withJson(withDataDir(new Command('task')))
    .description('show one task this node submitted or ran')
    .argument('<id>', 'task id, or a unique prefix of one')
    .option('--no-trunc', 'show whole peer ids')
    .option('--trace', 'show the route: each hop by name, with its time queued, executing and forwarding')
    .action(async (id: string, options: CommonOptions & { trunc: boolean; trace?: boolean }) => {
      const client = await clientFor(options)
      const task = await client.task(await resolveTaskId(client, id))
      const peer = (p: string | undefined): string =>
        labelPeer(p, p != null ? task.names?.[p] : null, !options.trunc)
      if (options.json === true) {
        printJson(task)
        return
      }
      if (options.trace === true) {
        printTrace(task, peer)
        return
      }
      const rows: Array<[string, string]> = [
        ['task', task.taskId],
        ['status', task.status],
        ['role', task.role],
        ['capability', task.capability],
        ['executor', peer(task.executor)],
        ['agent', task.agent ?? '-'],
        ['path', (task.path ?? []).map(peer).join(' -> ') || '-'],
        ['created', when(task.createdAt)]
      ]
      if (task.error != null) rows.push(['error', `${task.error.code}: ${task.error.message}`])
      for (const a of task.attempts ?? []) {
        rows.push([
          `attempt ${a.n}`,
          `${peer(a.executor)}  ${a.outcome ?? 'in progress'}${a.error != null ? ` (${a.error.code})` : ''}`
        ])
      }
      if (task.result !== undefined) rows.push(['result', JSON.stringify(task.result)])
      process.stdout.write(rows.map(([k, v]) => `${k.padEnd(11)}${v}\n`).join(''))
    })
}

export function tasksCommand(): Command {
  return withJson(withDataDir(new Command('tasks')))
    .description('list recent tasks this node submitted, ran or forwarded')
    .option('--limit <n>', 'how many (default 100)')
    .option('--no-trunc', 'show whole task and peer ids')
    .action(async (options: CommonOptions & { limit?: string; trunc: boolean }) => {
      const limit = options.limit != null ? Number(options.limit) : undefined
      if (limit != null && (!Number.isInteger(limit) || limit < 1))
        throw new CliError('--limit must be a positive integer')
      const tasks: TaskInfo[] = await (await clientFor(options)).tasks({ limit })
      if (options.json === true) {
        printJson(tasks)
        return
      }
      printTable(
        ['TASK', 'STATUS', 'ROLE', 'CAPABILITY', 'EXECUTOR', 'CREATED'],
        tasks.map((t) => [
          shortTask(t.taskId, !options.trunc),
          t.status,
          t.role,
          t.capability,
          labelPeer(t.executor, t.executor != null ? t.names?.[t.executor] : null, !options.trunc),
          when(t.createdAt)
        ]),
        'no tasks yet'
      )
    })
}

export function cancelCommand(): Command {
  return withJson(withDataDir(new Command('cancel')))
    .description('cancel a task this node accepted; its handler is stopped on whichever node runs it')
    .argument('<id>', 'task id, or a unique prefix of one')
    .action(async (id: string, options: CommonOptions) => {
      const client = await clientFor(options)
      const task = await client.cancel(await resolveTaskId(client, id))
      if (options.json === true) printJson(task)
      else process.stdout.write(`${task.taskId} ${task.status}\n`)
    })
}
