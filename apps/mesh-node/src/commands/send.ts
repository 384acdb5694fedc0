import { parseDuration, printJson, readJsonInput } from '@mesh-node/cli-kit'
import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'

interface SendOptions extends CommonOptions {
  agent: string
  data?: string
  type?: string
  correlationId?: string
  timeout?: string
}

export function sendCommand(): Command {
  return withJson(withDataDir(new Command('send')))
    .description(
      "deliver a message straight to one agent and wait for its acknowledgement (and the handler's reply)"
    )
    .requiredOption('--agent <name[@peer]>', 'the agent, e.g. planner or planner@12D3KooW...')
    .option('--data <json>', 'payload as JSON, "-" to read stdin, or @FILE (default: null)')
    .option('--type <type>', 'envelope type (default: message)')
    .option('--correlation-id <id>', 'correlation id carried in the envelope')
    .option('--timeout <duration>', 'how long to wait for the agent: 500ms, 5s, 2m or plain ms (default 30s)')
    .action(async (options: SendOptions) => {
      const timeoutMs = parseDuration(options.timeout, '--timeout', { max: 300_000 })
      const payload = await readJsonInput(options.data, '--data')
      const ack = await (await clientFor(options)).send(options.agent, payload, {
        type: options.type,
        correlationId: options.correlationId,
        timeoutMs
      })
      if (options.json === true) {
        printJson(ack)
        return
      }
      process.stderr.write(`delivered ${ack.id} to ${ack.agent}@${ack.node}\n`)
      if (ack.reply != null)
        process.stdout.write(`${typeof ack.reply === 'string' ? ack.reply : JSON.stringify(ack.reply)}\n`)
    })
}
