import { readFileSync } from 'node:fs'
import type { TopicMessage } from '@mesh-node/client'
import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'
import { CliError } from '../errors.js'
import { printJson } from '../output.js'

/** Largest --data read from a file or stdin; the daemon refuses big messages anyway, this bounds our memory. */
const MAX_DATA_BYTES = 1024 * 1024

/** `--data JSON`, `--data -` (stdin) or `--data @file`: the payload as JSON. */
export async function readJsonData(spec: string | undefined, flag = '--data'): Promise<unknown> {
  if (spec === undefined) return null
  let text = spec
  let source = flag
  if (spec === '-') {
    text = await readStdin()
    source = `${flag} - (stdin)`
  } else if (spec.startsWith('@')) {
    const path = spec.slice(1)
    try {
      text = readFileSync(path, 'utf8')
    } catch (err) {
      throw new CliError(
        `${flag} ${spec}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`
      )
    }
    source = `${flag} ${spec}`
  }
  if (Buffer.byteLength(text) > MAX_DATA_BYTES)
    throw new CliError(`${source} is over ${MAX_DATA_BYTES} bytes`)
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new CliError(
      `${source} is not valid JSON (${(err as Error).message}); quote strings, e.g. --data '"hello"' or --data '{"level": "high"}'`
    )
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_DATA_BYTES) throw new CliError(`--data - (stdin) is over ${MAX_DATA_BYTES} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

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
        const payload = await readJsonData(options.data)
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
      const sinceMs = options.since != null ? Number(options.since) : undefined
      if (sinceMs != null && !(Number.isInteger(sinceMs) && sinceMs >= 0))
        throw new CliError('--since must be a whole number of milliseconds, e.g. --since 30000')
      const count = options.count != null ? Number(options.count) : undefined
      if (count != null && !(Number.isInteger(count) && count >= 1))
        throw new CliError('--count must be a whole number >= 1')
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
