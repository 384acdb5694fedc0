import { parseDuration, printJson, progress, progressDone, readJsonInput } from '@mesh-node/cli-kit'
import { MAX_TASK_TIMEOUT_MS, type MeshClient, type TaskInfo, type TaskResult } from '@mesh-node/client'
import { Command, Option } from 'commander'
import { type CommonOptions, clientFor, withDataDir, withJson } from '../context.js'
import { shortPeer } from '../ids.js'

interface SubmitOptions extends CommonOptions {
  capability: string
  input?: string
  timeout?: string
  wait: boolean
  queue?: boolean
  follow?: boolean
  stream?: boolean
  trunc: boolean
  agent?: string
  peer?: string
  retry?: 'never' | 'idempotent'
}

/** A task timeout flag: a duration up to the protocol's 10 minutes. */
export function parseTimeout(text: string | undefined, flag = '--timeout'): number | undefined {
  return parseDuration(text, flag, { max: MAX_TASK_TIMEOUT_MS })
}

/** The API's answer shape (POST /v1/tasks with wait), built from the journal's record. */
function asResult(t: TaskInfo): TaskResult {
  return {
    taskId: t.taskId,
    status: t.status as TaskResult['status'],
    result: t.result ?? null,
    error: t.error ?? null,
    executor: t.executor ?? null,
    agent: t.agent ?? null,
    path: t.path ?? []
  }
}

/** `--follow`: one line per attempt as it starts and as it ends. */
function attemptPrinter(full: boolean): (task: TaskInfo) => void {
  const shown = new Map<number, string>()
  return (task) => {
    for (const a of task.attempts ?? []) {
      const state = a.outcome ?? 'started'
      if (shown.get(a.n) === state) continue
      shown.set(a.n, state)
      const detail = a.error != null ? ` (${a.error.code}: ${a.error.message})` : ''
      process.stderr.write(
        `attempt ${a.n}  ${shortPeer(a.executor, full)}${a.agent != null ? ` ${a.agent}` : ''}  ${state}${detail}\n`
      )
    }
  }
}

export function submitCommand(): Command {
  return withJson(withDataDir(new Command('submit')))
    .description(
      'run a task on a capable agent somewhere in the mesh and print its result (the task id is printed at once, on stderr)'
    )
    .requiredOption('--capability <name>', 'the capability the task needs, e.g. text.upper')
    .option('--input <json>', 'the task input: JSON, - for JSON on stdin, or @FILE (default: null)')
    .option(
      '--timeout <duration>',
      'give up after this long: 500ms, 5s, 2m, or plain ms (default: the daemon config, 30s)'
    )
    .option('--no-wait', 'print {"taskId"} at once; follow it with "mesh-node task ID"')
    .option('--queue', 'if no agent can handle it yet, keep the task until one joins')
    .option(
      '--agent <name[@peer]>',
      'run it on this agent only (and this peer: id or unique prefix); never elsewhere'
    )
    .option('--peer <peer>', 'run it on this peer only (id or unique prefix); never elsewhere')
    .addOption(
      new Option(
        '--retry <policy>',
        'if the executor crashes mid-run: idempotent runs it again (the handler sees MESH_ATTEMPT=2), never fails it "interrupted"'
      ).choices(['idempotent', 'never'])
    )
    .option('--follow', "show the task's attempts (executor, agent, outcome) as they happen")
    .option(
      '--stream',
      'print partial output live as the agent streams it (progress on stderr); with --json, one JSON event per line'
    )
    .option('--no-trunc', 'show whole peer ids')
    .addHelpText(
      'after',
      '\nCtrl-C stops waiting, not the task: it goes on in the mesh. Cancel it with "mesh-node cancel ID".'
    )
    .action(async (options: SubmitOptions) => {
      const input = await readJsonInput(options.input)
      const timeoutMs = parseTimeout(options.timeout)
      const client = await clientFor(options, undefined, {
        // The daemon went away mid-request (crashed, restarting): the same Idempotency-Key makes the retry safe.
        onRetry: ({ attempt, error, delayMs }) =>
          process.stderr.write(
            `the daemon did not answer (${error.message}); retrying the submit in ${delayMs} ms with the same idempotency key (try ${attempt + 1})\n`
          )
      })
      const { taskId } = await client.submitNoWait({
        capability: options.capability,
        input,
        timeoutMs,
        queue: options.queue,
        agent: options.agent,
        peer: options.peer,
        ...(options.retry != null ? { retry: options.retry } : {})
      })
      if (!options.wait) {
        if (options.json === true) printJson({ taskId })
        else process.stdout.write(`${taskId}\n`)
        return
      }
      process.stderr.write(`task ${taskId}\n`)
      process.once('SIGINT', () => {
        progressDone(
          `stopped waiting; task ${taskId} goes on in the mesh.\n  follow it: mesh-node task ${taskId}\n  cancel it: mesh-node cancel ${taskId}`
        )
        process.exit(130)
      })
      if (options.stream === true) {
        report(await printStream(client, taskId, options.json === true), { ...options, streamed: true })
        return
      }
      const follow = options.follow === true ? attemptPrinter(!options.trunc) : undefined
      if (options.json !== true && follow == null) progress(`waiting for ${options.capability}...`)
      const res = asResult(await client.waitForTask(taskId, { onChange: (t) => follow?.(t) }))
      report(res, options)
    })
}

/**
 * `--stream`: partial text as it comes on stdout (other partial data as JSON
 * lines), progress on stderr; with `json`, every event as one JSON line.
 * Returns the result the stream ends with.
 */
async function printStream(client: MeshClient, taskId: string, json: boolean): Promise<TaskResult> {
  let midLine = false
  for await (const event of client.stream(taskId)) {
    if (event.type === 'result') {
      if (midLine) process.stdout.write('\n')
      return event.result
    }
    if (json) {
      process.stdout.write(`${JSON.stringify(event)}\n`)
      continue
    }
    const data = event.piece.data as { text?: unknown; message?: unknown; progress?: unknown } | null
    if (event.type === 'progress') {
      const pct = typeof data?.progress === 'number' ? ` ${data.progress}` : ''
      const msg = typeof data?.message === 'string' ? ` ${data.message}` : ''
      process.stderr.write(`progress${pct}${msg || (pct ? '' : ` ${JSON.stringify(data)}`)}\n`)
    } else if (typeof data?.text === 'string') {
      process.stdout.write(data.text)
      midLine = !data.text.endsWith('\n')
    } else {
      process.stdout.write(`${midLine ? '\n' : ''}${JSON.stringify(data)}\n`)
      midLine = false
    }
  }
  throw new Error(`the stream of task ${taskId} ended without a result`)
}

function report(res: TaskResult, options: SubmitOptions & { streamed?: boolean }): void {
  const full = !options.trunc
  if (options.json === true && options.streamed === true) {
    process.stdout.write(`${JSON.stringify({ type: 'result', result: res })}\n`)
  } else if (options.json === true) {
    printJson(res)
  } else if (res.status === 'completed') {
    progressDone(
      `completed by ${res.agent ?? '?'} on ${shortPeer(res.executor, full)} (path: ${res.path.map((p) => shortPeer(p, full)).join(' -> ')})`
    )
    process.stdout.write(
      `${typeof res.result === 'string' ? res.result : JSON.stringify(res.result, null, 2)}\n`
    )
  } else {
    progressDone(`${res.status}${res.executor != null ? ` on ${shortPeer(res.executor, full)}` : ''}`)
  }
  if (res.status !== 'completed') {
    process.stderr.write(
      `error: ${res.error?.code ?? res.status}: ${res.error?.message ?? `task ${res.status}`}\n`
    )
    process.exitCode = 1
  }
}
