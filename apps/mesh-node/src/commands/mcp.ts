import { Command, InvalidArgumentError } from 'commander'
import { type CommonOptions, clientFor, withDataDir } from '../context.js'

function milliseconds(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 86_400_000)
    throw new InvalidArgumentError('must be an integer number of milliseconds from 1 to 86400000')
  return n
}

export function mcpCommand(): Command {
  return withDataDir(new Command('mcp'))
    .description(
      'serve the whole mesh to an MCP client over stdio: every capability a tool, plus mesh_vote, mesh_auction and mesh_solve'
    )
    .option('--task-timeout <ms>', "timeout of each task (default: the daemon's)", milliseconds)
    .option('--refresh <ms>', 'how often to re-read the tool list without agent events', milliseconds, 5000)
    .action(async (options: CommonOptions & { taskTimeout?: number; refresh: number }) => {
      const client = await clientFor(options)
      // Fail now, on stderr, if no daemon runs, rather than inside the MCP session.
      await client.id()
      // Loaded here, not at CLI start: the MCP SDK is large and every other command would pay for it.
      const { serveMcpStdio } = await import('@mesh-node/mcp-bridge')
      await serveMcpStdio(client, {
        refreshMs: options.refresh,
        ...(options.taskTimeout !== undefined ? { taskTimeoutMs: options.taskTimeout } : {})
      })
    })
}
