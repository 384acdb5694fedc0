import { CliError, printJson, printTable } from '@mesh-node/cli-kit'
import { EVENT_TYPES, InvalidRequestError, parseEventTypeList } from '@mesh-node/client'
import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'
import { shortPeer } from '../ids.js'

export function statusCommand(): Command {
  return withJson(withDataDir(new Command('status')))
    .description("show the node's view of the mesh: state digest, members and their health, task counts")
    .option('--no-trunc', 'show whole peer ids')
    .action(async (options: CommonOptions & { trunc: boolean }) => {
      const status = await (await clientFor(options)).status()
      if (options.json === true) {
        printJson(status)
        return
      }
      process.stdout.write(
        `name      ${status.name}\npeer id   ${status.peerId}\ndigest    ${status.digest}\npeers     ${status.peers}\nagents    ${status.agents.local} local, ${status.agents.total} in the mesh\n` +
          `tasks     ${taskCounts(status.tasks)}\n` +
          `rejected  ${
            Object.entries(status.rejectedResults ?? {})
              .filter(([, n]) => n > 0)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ') || 'none'
          }\n\n`
      )
      printTable(
        ['NAME', 'MEMBER', 'STATE', 'LAST HEARD'],
        status.members.map((m) => [
          m.name ?? '-',
          shortPeer(m.peerId, !options.trunc),
          m.unverified === true ? `${m.state} (unverified)` : m.state,
          `${((Date.now() - m.lastHeardAt) / 1000).toFixed(1)} s ago`
        ]),
        'no other members'
      )
    })
}

/** Counts by status, then the executions with the table's size: "completed 12, executions 40 (3.1 MiB)". */
function taskCounts(tasks: Record<string, number>): string {
  const { executionBytes, ...counts } = tasks
  return (
    Object.entries(counts)
      .filter(([, n]) => n > 0)
      .map(([k, n]) =>
        k === 'executions' && executionBytes != null
          ? `${k} ${n} (${(executionBytes / 1_048_576).toFixed(1)} MiB)`
          : `${k} ${n}`
      )
      .join(', ') || 'none'
  )
}

const PEER_ID = /^(12D3KooW|Qm)[1-9A-HJ-NP-Za-km-z]{40,}$/

export function eventsCommand(): Command {
  return withJson(withDataDir(new Command('events')))
    .description('follow mesh events (agents joining and leaving, peer health, tasks) until interrupted')
    .option('--types <list>', `only these event types, comma-separated; valid: ${EVENT_TYPES.join(', ')}`)
    .option('--no-trunc', 'show whole peer ids')
    .action(async (options: CommonOptions & { types?: string; trunc: boolean }) => {
      const types = parseEventTypes(options.types)
      const client = await clientFor(options)
      const stop = new AbortController()
      process.once('SIGINT', () => stop.abort())
      for await (const event of client.events({ types, signal: stop.signal })) {
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify(event)}\n`)
          continue
        }
        const { type, at, ...rest } = event
        const fields = Object.entries(rest)
          .map(
            ([k, v]) =>
              `${k}=${typeof v === 'string' ? (options.trunc && PEER_ID.test(v) ? shortPeer(v) : v) : JSON.stringify(v)}`
          )
          .join(' ')
        process.stdout.write(`${new Date(at).toISOString().slice(11, 23)}  ${type.padEnd(14)} ${fields}\n`)
      }
    })
}

/** Checked here, before any daemon is involved, so a typo is named with the valid list. */
function parseEventTypes(text: string | undefined): string[] | undefined {
  try {
    return parseEventTypeList(text, '--types')
  } catch (err) {
    if (err instanceof InvalidRequestError) throw new CliError(err.message)
    throw err
  }
}
