import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'
import { printJson, printTable } from '../output.js'

export function statusCommand(): Command {
  return withJson(withDataDir(new Command('status')))
    .description("show the node's view of the mesh: state digest, members and their health, task counts")
    .action(async (options: CommonOptions) => {
      const status = await (await clientFor(options)).status()
      if (options.json === true) {
        printJson(status)
        return
      }
      process.stdout.write(
        `peer id   ${status.peerId}\ndigest    ${status.digest}\npeers     ${status.peers}\nagents    ${status.agents.local} local, ${status.agents.total} in the mesh\n` +
          `tasks     ${
            Object.entries(status.tasks)
              .filter(([, n]) => n > 0)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ') || 'none'
          }\n\n`
      )
      printTable(
        ['MEMBER', 'STATE', 'LAST HEARD'],
        status.members.map((m) => [
          m.peerId,
          m.state,
          `${((Date.now() - m.lastHeardAt) / 1000).toFixed(1)} s ago`
        ]),
        'no other members'
      )
    })
}

export function eventsCommand(): Command {
  return withJson(withDataDir(new Command('events')))
    .description('follow mesh events (agents joining and leaving, peer health, tasks) until interrupted')
    .option(
      '--types <list>',
      'only these event types, comma-separated (e.g. agent_joined,agent_left,peer_dead)'
    )
    .action(async (options: CommonOptions & { types?: string }) => {
      const client = await clientFor(options)
      const stop = new AbortController()
      process.once('SIGINT', () => stop.abort())
      for await (const event of client.events({ types: options.types?.split(','), signal: stop.signal })) {
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify(event)}\n`)
          continue
        }
        const { type, at, ...rest } = event
        const fields = Object.entries(rest)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ')
        process.stdout.write(`${new Date(at).toISOString().slice(11, 23)}  ${type.padEnd(14)} ${fields}\n`)
      }
    })
}
