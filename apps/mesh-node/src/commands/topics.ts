import { parseCount, printJson, readJsonInput } from '@mesh-node/cli-kit'
import type { TopicMessage } from '@mesh-node/client'
import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'

export function publishCommand(): Command {
  return withJson(withDataDir(new Command('publish')))
    .description('publish a message to a topic; every node following it receives it')
    .argument('<topic>', 'topic name, e.g. alerts')
    .option('--data <json>', 'payload as JSON, "-" to read stdin, or @FILE (default: null)')
    .option('--type <type>', 'envelope type (default: message)')
    .option('--correlation-id <id>', 'correlation id carried in the envelope')
    .action(
      async (
        topic: string,
        options: CommonOptions & { data?: string; type?: string; correlationId?: string }
      ) => {
        const payload = await readJsonInput(options.data, '--data')
        const ack = await (await clientFor(options)).publish(topic, payload, {
          type: options.type,
          correlationId: options.correlationId
        })
        if (options.json === true) printJson(ack)
        else
          process.stdout.write(
            `published ${ack.id} to ${ack.topic} (${ack.peers} peers, ${ack.localSubscribers} local)\n`
          )
      }
    )
}

export function subscribeCommand(): Command {
  return withJson(withDataDir(new Command('subscribe')))
    .description('follow topics and print each message as it arrives, until interrupted')
    .argument('<topics...>', 'one or more topic names')
    .option('--since <ms>', 'first replay what connected peers published in the last MS milliseconds')
    .option('--count <n>', 'exit after N messages')
    .action(async (topics: string[], options: CommonOptions & { since?: string; count?: string }) => {
      const sinceMs = parseCount(options.since, '--since', { min: 0, max: 86_400_000, unit: 'milliseconds' })
      const count = parseCount(options.count, '--count', { min: 1, max: 1_000_000_000 })
      const client = await clientFor(options)
      const stop = new AbortController()
      process.once('SIGINT', () => stop.abort())
      const subs = topics.map((t) => client.subscribe(t, { sinceMs, signal: stop.signal }))
      await Promise.all(subs.map(async (s) => await s.ready))
      process.stderr.write(`subscribed to ${topics.join(', ')}\n`)
      let seen = 0
      await Promise.all(
        subs.map(async (sub) => {
          for await (const message of sub) {
            printMessage(message, options.json === true)
            if (count != null && ++seen >= count) stop.abort()
          }
        })
      )
    })
}

function printMessage(m: TopicMessage, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(m)}\n`)
    return
  }
  const time = new Date(m.timestamp).toISOString().slice(11, 23)
  const from = m.from.agent != null ? `${m.from.agent}@${m.from.node}` : m.from.node
  const type = m.type === 'message' ? '' : ` [${m.type}]`
  process.stdout.write(`${time}  ${m.topic}  ${from}${type}  ${JSON.stringify(m.payload)}\n`)
}
