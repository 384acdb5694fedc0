import { reportError } from '@mesh-node/cli-kit'
import { Command, CommanderError } from 'commander'
import { a2aCommand } from './commands/a2a.js'
import { agentsCommand } from './commands/agents.js'
import { completionCommand } from './commands/completion.js'
import { auctionCommand, solveCommand, voteCommand } from './commands/coordinate.js'
import { dashboardCommand } from './commands/dashboard.js'
import { idCommand } from './commands/id.js'
import { initCommand } from './commands/init.js'
import { mcpCommand } from './commands/mcp.js'
import { peersCommand } from './commands/peers.js'
import { sendCommand } from './commands/send.js'
import { startCommand } from './commands/start.js'
import { eventsCommand, statusCommand } from './commands/status.js'
import { stopCommand } from './commands/stop.js'
import { submitCommand } from './commands/submit.js'
import { swarmKeyCommand } from './commands/swarm-key.js'
import { cancelCommand, taskCommand, tasksCommand } from './commands/tasks.js'
import { publishCommand, subscribeCommand } from './commands/topics.js'
import { versionCommand } from './commands/version.js'
import { waitCommand } from './commands/wait.js'
import { formatVersion } from './version.js'

/** Errors from the daemon's packages that explain themselves; anything else is a bug and may show a stack with MESH_NODE_DEBUG=1. */
const EXPLAINED = ['DaemonError', 'ConfigError', 'MeshClientError', 'SwarmKeyError', 'AgentConfigError']

export function buildProgram(): Command {
  const program = new Command('mesh-node')
    .description('a peer of a leaderless libp2p mesh of cooperating agents')
    .version(formatVersion(), '-V, --version', 'show the version, protocol ids and Node version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  for (const cmd of [
    initCommand(),
    startCommand(),
    idCommand(),
    peersCommand(),
    agentsCommand(),
    submitCommand(),
    taskCommand(),
    tasksCommand(),
    cancelCommand(),
    voteCommand(),
    auctionCommand(),
    solveCommand(),
    publishCommand(),
    subscribeCommand(),
    sendCommand(),
    statusCommand(),
    eventsCommand(),
    dashboardCommand(),
    waitCommand(),
    mcpCommand(),
    a2aCommand(),
    stopCommand(),
    swarmKeyCommand(),
    versionCommand(),
    completionCommand(() => program)
  ]) {
    // addCommand does not inherit exitOverride and friends; copy them down.
    cmd.copyInheritedSettings(program)
    for (const sub of cmd.commands) sub.copyInheritedSettings(cmd)
    program.addCommand(cmd)
  }
  return program
}

export async function main(argv: string[]): Promise<void> {
  // `mesh-node peers | head -1` closes our stdout early; that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0)
    throw err
  })
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed the message (or help/version).
      process.exitCode = err.exitCode
      return
    }
    process.exitCode = reportError(err, { explained: EXPLAINED, debug: process.env.MESH_NODE_DEBUG === '1' })
  }
}
