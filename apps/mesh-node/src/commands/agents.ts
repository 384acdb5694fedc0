import { printJson, printTable } from '@mesh-node/cli-kit'
import type { AgentInfo } from '@mesh-node/client'
import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'
import { shortPeer } from '../ids.js'

interface AgentsOptions extends CommonOptions {
  capability?: string
  trunc: boolean
  schema?: boolean
}

export function agentsCommand(): Command {
  return withJson(withDataDir(new Command('agents')))
    .description('list the agents this node knows of, here and across the mesh')
    .option('--capability <name>', 'only agents with this capability')
    .option('--schema', 'show each capability with its description and input and output schemas')
    .option('--no-trunc', 'show whole peer ids')
    .action(async (options: AgentsOptions) => {
      const agents = await (await clientFor(options)).agents({ capability: options.capability })
      if (options.json === true) {
        printJson(options.schema === true ? agents.map(withAllSchemas) : agents)
        return
      }
      const peer = (a: AgentInfo) =>
        a.local ? `${shortPeer(a.peerId, !options.trunc)} (self)` : shortPeer(a.peerId, !options.trunc)
      const empty = options.capability != null ? `no agent offers ${options.capability}` : 'no agents known'
      if (options.schema === true) {
        printSchemas(agents, peer, options.capability, empty)
        return
      }
      printTable(
        ['NODE', 'PEER ID', 'AGENT', 'CAPABILITIES', 'LOAD', 'CAPACITY'],
        agents.map((a) => [
          a.name ?? '-',
          peer(a),
          a.agent,
          a.capabilities.join(','),
          `${Math.round(a.load * 100)}%`,
          String(a.capacity)
        ]),
        empty
      )
    })
}

/** With --schema --json every capability is listed, `{}` for one that declares nothing. */
function withAllSchemas(a: AgentInfo): AgentInfo {
  return { ...a, schemas: Object.fromEntries(a.capabilities.map((c) => [c, a.schemas?.[c] ?? {}])) }
}

function printSchemas(
  agents: AgentInfo[],
  peer: (a: AgentInfo) => string,
  only: string | undefined,
  empty: string
): void {
  const lines: string[] = []
  for (const a of agents)
    for (const capability of a.capabilities) {
      if (only !== undefined && capability !== only) continue
      const info = a.schemas?.[capability] ?? {}
      lines.push(`${capability}  (agent ${a.agent} on ${peer(a)})`)
      if (info.description !== undefined) lines.push(`  description: ${info.description}`)
      lines.push(`  input:  ${info.inputSchema === undefined ? '(any)' : JSON.stringify(info.inputSchema)}`)
      lines.push(`  output: ${info.outputSchema === undefined ? '(any)' : JSON.stringify(info.outputSchema)}`)
    }
  process.stdout.write(lines.length === 0 ? `${empty}\n` : `${lines.join('\n')}\n`)
}
