import { MAX_TASK_TIMEOUT_MS } from '@mesh-node/client'
import { Command } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'
import { CliError } from '../errors.js'
import { printJson, progress, progressDone } from '../output.js'

interface SubmitOptions extends CommonOptions {
  capability: string
  input?: string
  timeout?: string
  wait: boolean
  queue?: boolean
}

export function parseJsonInput(text: string | undefined): unknown {
  if (text === undefined) return null
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new CliError(
      `--input is not valid JSON (${(err as Error).message}); quote strings, e.g. --input '"hello"' or --input '{"text": "hi"}'`
    )
  }
}

export function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const ms = Number(text)
  if (!Number.isInteger(ms) || ms < 1 || ms > MAX_TASK_TIMEOUT_MS)
    throw new CliError(`--timeout must be milliseconds, from 1 to ${MAX_TASK_TIMEOUT_MS}`)
  return ms
}

export function submitCommand(): Command {
  return withJson(withDataDir(new Command('submit')))
    .description('run a task on a capable agent somewhere in the mesh and print its result')
    .requiredOption('--capability <name>', 'the capability the task needs, e.g. text.upper')
    .option('--input <json>', 'the task input as JSON (default: null)')
    .option('--timeout <ms>', 'give up after this many milliseconds (default: the daemon config, 30000)')
    .option('--no-wait', 'print {"taskId"} at once; follow it with "mesh-node task ID"')
    .option('--queue', 'if no agent can handle it yet, keep the task until one joins')
    .action(async (options: SubmitOptions) => {
      const input = parseJsonInput(options.input)
      const timeoutMs = parseTimeout(options.timeout)
      const client = await clientFor(options)
      if (!options.wait) {
        const { taskId } = await client.submitNoWait({
          capability: options.capability,
          input,
          timeoutMs,
          queue: options.queue
        })
        if (options.json === true) printJson({ taskId })
        else process.stdout.write(`${taskId}\n`)
        return
      }
      if (options.json !== true) progress(`submitting to ${options.capability}...`)
      const res = await client.submit({
        capability: options.capability,
        input,
        timeoutMs,
        queue: options.queue
      })
      if (options.json === true) {
        printJson(res)
      } else if (res.status === 'completed') {
        progressDone(
          `completed by ${res.agent ?? '?'} on ${res.executor ?? '?'} (path: ${res.path.join(' -> ')})`
        )
        process.stdout.write(
          `${typeof res.result === 'string' ? res.result : JSON.stringify(res.result, null, 2)}\n`
        )
      } else {
        progressDone(`failed${res.executor != null ? ` on ${res.executor}` : ''}`)
      }
      if (res.status !== 'completed') {
        process.stderr.write(
          `error: ${res.error?.code ?? 'failed'}: ${res.error?.message ?? 'task failed'}\n`
        )
        process.exitCode = 1
      }
    })
}
