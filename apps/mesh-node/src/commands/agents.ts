import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'
import { shortPeer } from '../ids.js'
import { printJson, printTable } from '../output.js'

export function agentsCommand(): Command {
  return withJson(withDataDir(new Command('agents')))
    .description('list the agents this node knows of, here and across the mesh')
    .option('--capability <name>', 'only agents with this capability')
    .option('--no-trunc', 'show whole peer ids')
    .action(async (options: CommonOptions & { capability?: string; trunc: boolean }) => {
      const agents = await (await clientFor(options)).agents({ capability: options.capability })
      if (options.json === true) {
        printJson(agents)
        return
      }
      printTable(
        ['NODE', 'PEER ID', 'AGENT', 'CAPABILITIES', 'LOAD', 'CAPACITY'],
        agents.map((a) => [
          a.name ?? '-',
          a.local ? `${shortPeer(a.peerId, !options.trunc)} (self)` : shortPeer(a.peerId, !options.trunc),
          a.agent,
          a.capabilities.join(','),
          `${Math.round(a.load * 100)}%`,
          String(a.capacity)
        ]),
        options.capability != null ? `no agent offers ${options.capability}` : 'no agents known'
      )
    })
}
