import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { AgentHandler, HandlerContext, HandlerRequest } from '@mesh-node/sdk'
import { errorMessage, HandlerError } from '../errors.js'
import type { ExecHandlerSpec } from '../spec.js'
import { PieceLines } from './piece-lines.js'
import { killProcessGroup } from './process-group.js'
import type { ProcessGuard } from './process-guard.js'

const STDOUT_LIMIT = 16 * 1024 * 1024
const STDERR_TAIL = 4 * 1024
// How long to wait for the pipes to close after the child exited or was
// killed. Only a process that left our group while holding them needs this.
const CLOSE_GRACE_MS = 2000

/**
 * Runs one process per request: request JSON + newline on stdin, one JSON
 * value on stdout. Timeouts and aborts arrive through ctx.signal (see scope.ts).
 */
export function execHandler(
  spec: ExecHandlerSpec,
  baseDir: string,
  env: () => Record<string, string> = () => ({}),
  guard?: ProcessGuard
): AgentHandler {
  const cwd = spec.cwd === undefined ? baseDir : resolve(baseDir, spec.cwd)
  return (request, ctx) => runOnce(spec, cwd, request, ctx, env(), guard)
}

function runOnce(
  spec: ExecHandlerSpec,
  cwd: string,
  request: HandlerRequest,
  ctx: HandlerContext,
  meshEnv: Record<string, string>,
  guard: ProcessGuard | undefined
) {
  const [file, ...args] = spec.command as [string, ...string[]]
  const name = JSON.stringify(file)
  const { signal } = ctx
  if (signal.aborted) return Promise.reject(signal.reason)

  return new Promise<unknown>((resolvePromise, reject) => {
    let child: ChildProcessWithoutNullStreams
    try {
      child = spawn(file, args, {
        cwd,
        env: { ...process.env, MESH_AGENT: ctx.agent, ...attemptEnv(request), ...meshEnv, ...spec.env },
        shell: false,
        // Own process group, so one kill reaches everything the handler started.
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe']
      })
    } catch (err) {
      reject(
        new HandlerError('handler_failed', `could not start ${name}: ${errorMessage(err)}`, { cause: err })
      )
      return
    }

    // Piece lines stream out as they come; the other lines are the final value.
    const lines = new PieceLines(ctx.emit)
    const decoder = new TextDecoder()
    let stdoutBytes = 0
    let stderrTail = Buffer.alloc(0)
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
    // Set when we end the process on purpose; it becomes the rejection.
    let failure: unknown
    let settled = false
    let grace: NodeJS.Timeout | undefined
    let untrack: (() => void) | undefined

    const killGroup = () => {
      try {
        killProcessGroup(child.pid)
      } catch (err) {
        ctx.log(`could not kill process group of ${name}`, { pid: child.pid, error: errorMessage(err) })
      }
    }
    const waitForClose = () => {
      grace ??= setTimeout(finish, CLOSE_GRACE_MS)
    }
    const stop = (reason: unknown) => {
      failure ??= reason
      killGroup()
      waitForClose()
    }
    const onAbort = () => stop(signal.reason)

    function finish() {
      if (settled) return
      settled = true
      clearTimeout(grace)
      signal.removeEventListener('abort', onAbort)
      untrack?.()
      child.stdout.destroy()
      child.stderr.destroy()
      if (failure !== undefined) return reject(describeFailure(failure, name))
      const tail = stderrTail.toString('utf8').trim()
      const detail = tail === '' ? ' (stderr was empty)' : `: ${tail}`
      if (exit === undefined)
        return reject(new HandlerError('handler_failed', `${name} did not exit${detail}`))
      if (exit.signal !== null) {
        return reject(new HandlerError('handler_failed', `${name} was killed by ${exit.signal}${detail}`))
      }
      if (exit.code !== 0) {
        return reject(new HandlerError('handler_failed', `${name} exited with code ${exit.code}${detail}`))
      }
      // A message needs no answer: a handler may print nothing.
      lines.push(decoder.decode())
      const text = lines.rest()
      if (request.type === 'message' && text.trim() === '') return resolvePromise(null)
      try {
        resolvePromise(parseStdout(text, name))
      } catch (err) {
        reject(err)
      }
    }

    child.on('error', (err: NodeJS.ErrnoException) => {
      // Only spawn failures reach here: we never signal the child through the ChildProcess API.
      failure ??= new HandlerError('handler_failed', spawnFailure(err, name, cwd), { cause: err })
      finish()
    })
    child.on('exit', (code, sig) => {
      exit = { code, signal: sig }
      // Whatever the handler left running would hold our pipes open and
      // outlive the request; the process group dies with its leader.
      killGroup()
      waitForClose()
    })
    child.on('close', finish)

    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length
      if (stdoutBytes > STDOUT_LIMIT) {
        stop(new HandlerError('handler_invalid_output', `${name} wrote more than 16 MiB to stdout`))
      } else if (failure === undefined) {
        lines.push(decoder.decode(chunk, { stream: true }))
      }
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = Buffer.concat([stderrTail, chunk])
      if (stderrTail.length > STDERR_TAIL) stderrTail = stderrTail.subarray(stderrTail.length - STDERR_TAIL)
    })
    // EPIPE/ECONNRESET when the child exits without reading its input; the
    // exit status tells the real story.
    child.stdin.on('error', () => {})
    if (child.pid !== undefined && guard !== undefined) {
      // Recorded before the request is written: until then the program has
      // nothing to act on, and a daemon that dies now still leaves a record.
      try {
        untrack = guard.track(child.pid)
      } catch (err) {
        stop(
          new HandlerError(
            'handler_failed',
            `could not record the process group of ${name}: ${errorMessage(err)}`
          )
        )
        return
      }
    }
    child.stdin.end(`${JSON.stringify(request)}\n`)

    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
}

function describeFailure(failure: unknown, name: string): unknown {
  if (failure instanceof HandlerError && failure.code === 'handler_timeout') {
    return new HandlerError('handler_timeout', `${name} ${failure.message}; its process group was killed`)
  }
  return failure
}

function spawnFailure(err: NodeJS.ErrnoException, name: string, cwd: string): string {
  if (err.code === 'ENOENT' && !existsSync(cwd))
    return `could not start ${name}: working directory ${cwd} does not exist`
  if (err.code === 'ENOENT')
    return `could not start ${name}: command not found (is it installed and on PATH?)`
  if (err.code === 'EACCES') return `could not start ${name}: permission denied (is it executable?)`
  return `could not start ${name}: ${err.message}`
}

function parseStdout(text: string, name: string): unknown {
  const trimmed = text.trim()
  if (trimmed === '') {
    throw new HandlerError(
      'handler_invalid_output',
      `${name} printed nothing on stdout; expected one JSON value`
    )
  }
  try {
    return JSON.parse(trimmed)
  } catch (err) {
    const snippet = trimmed.length > 200 ? `${trimmed.slice(0, 200)}…` : trimmed
    throw new HandlerError(
      'handler_invalid_output',
      `${name} printed invalid JSON on stdout (${errorMessage(err)}): ${snippet}`
    )
  }
}

/** MESH_ATTEMPT: which run of the task this is on this node (above 1 after a crash cut one short). */
function attemptEnv(request: HandlerRequest): Record<string, string> {
  return request.type === 'task_request' ? { MESH_ATTEMPT: String(request.attempt ?? 1) } : {}
}
