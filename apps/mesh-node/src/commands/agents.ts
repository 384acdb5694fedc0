import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'
import { printJson, printTable } from '../output.js'

export function agentsCommand(): Command {
  return withJson(withDataDir(new Command('agents')))
    .description('list the agents this node knows of, here and across the mesh')
    .option('--capability <name>', 'only agents with this capability')
    .action(async (options: CommonOptions & { capability?: string }) => {
      const agents = await (await clientFor(options)).agents({ capability: options.capability })
      if (options.json === true) {
        printJson(agents)
        return
      }
      printTable(
        ['PEER ID', 'AGENT', 'CAPABILITIES', 'LOAD', 'CAPACITY'],
        agents.map((a) => [
          a.local ? `${a.peerId} (self)` : a.peerId,
          a.agent,
          a.capabilities.join(','),
          `${Math.round(a.load * 100)}%`,
          String(a.capacity)
        ]),
        options.capability != null ? `no agent offers ${options.capability}` : 'no agents known'
      )
    })
}
