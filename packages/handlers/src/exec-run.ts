import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { HandlerContext, HandlerRequest } from '@mesh-node/sdk'
import { errorMessage, HandlerError } from './errors.js'
import { PieceLines } from './piece-lines.js'
import { killProcessGroup } from './process-group.js'
import type { ProcessGuard } from './process-guard.js'

const STDOUT_LIMIT = 16 * 1024 * 1024
const STDERR_TAIL = 4 * 1024
// How long to wait for the pipes to close after the child exited or was
// killed. Only a process that left our group while holding them needs this.
const CLOSE_GRACE_MS = 2000

export interface ExecRunInit {
  child: ChildProcessWithoutNullStreams
  /** The command, quoted, for error messages. */
  name: string
  cwd: string
  request: HandlerRequest
  ctx: HandlerContext
  resolve: (value: unknown) => void
  reject: (reason: unknown) => void
}

/**
 * One spawned exec process, from the request written on stdin to the one
 * settlement of its promise: streams piece lines out, bounds stdout, keeps
 * the stderr tail for errors, and kills the process group on abort, on
 * overflow and when the leader exits.
 */
export class ExecRun {
  private readonly child: ChildProcessWithoutNullStreams
  private readonly name: string
  private readonly cwd: string
  private readonly request: HandlerRequest
  private readonly ctx: HandlerContext
  private readonly resolve: (value: unknown) => void
  private readonly reject: (reason: unknown) => void
  // Piece lines stream out as they come; the other lines are the final value.
  private readonly lines: PieceLines
  private readonly decoder = new TextDecoder()
  private stdoutBytes = 0
  private stderrTail = Buffer.alloc(0)
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
  // Set when we end the process on purpose; it becomes the rejection.
  private failure: unknown
  private settled = false
  private grace: NodeJS.Timeout | undefined
  private untrack: (() => void) | undefined

  constructor(init: ExecRunInit) {
    this.child = init.child
    this.name = init.name
    this.cwd = init.cwd
    this.request = init.request
    this.ctx = init.ctx
    this.resolve = init.resolve
    this.reject = init.reject
    this.lines = new PieceLines(init.ctx.emit)
  }

  /** Listens to the process, records its group with `guard`, then writes the request. */
  start(guard: ProcessGuard | undefined): void {
    this.listen()
    if (!this.recordGroup(guard)) return
    this.child.stdin.end(`${JSON.stringify(this.request)}\n`)
    const { signal } = this.ctx
    if (signal.aborted) this.onAbort()
    else signal.addEventListener('abort', this.onAbort, { once: true })
  }

  private listen(): void {
    const { child } = this
    child.on('error', (err: NodeJS.ErrnoException) => {
      // Only spawn failures reach here: we never signal the child through the ChildProcess API.
      this.failure ??= new HandlerError('handler_failed', spawnFailure(err, this.name, this.cwd), {
        cause: err
      })
      this.finish()
    })
    child.on('exit', (code, sig) => {
      this.exit = { code, signal: sig }
      // Whatever the handler left running would hold our pipes open and
      // outlive the request; the process group dies with its leader.
      this.killGroup()
      this.waitForClose()
    })
    child.on('close', this.finish)
    child.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk))
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = Buffer.concat([this.stderrTail, chunk])
      if (this.stderrTail.length > STDERR_TAIL)
        this.stderrTail = this.stderrTail.subarray(this.stderrTail.length - STDERR_TAIL)
    })
    // EPIPE/ECONNRESET when the child exits without reading its input; the
    // exit status tells the real story.
    child.stdin.on('error', () => {})
  }

  private onStdout(chunk: Buffer): void {
    this.stdoutBytes += chunk.length
    if (this.stdoutBytes > STDOUT_LIMIT) {
      this.stop(new HandlerError('handler_invalid_output', `${this.name} wrote more than 16 MiB to stdout`))
    } else if (this.failure === undefined) {
      this.lines.push(this.decoder.decode(chunk, { stream: true }))
    }
  }

  /**
   * Recorded before the request is written: until then the program has
   * nothing to act on, and a daemon that dies now still leaves a record.
   * Returns false (and stops the run) when the record cannot be written.
   */
  private recordGroup(guard: ProcessGuard | undefined): boolean {
    if (this.child.pid === undefined || guard === undefined) return true
    try {
      this.untrack = guard.track(this.child.pid)
      return true
    } catch (err) {
      this.stop(
        new HandlerError(
          'handler_failed',
          `could not record the process group of ${this.name}: ${errorMessage(err)}`
        )
      )
      return false
    }
  }

  private killGroup(): void {
    try {
      killProcessGroup(this.child.pid)
    } catch (err) {
      this.ctx.log(`could not kill process group of ${this.name}`, {
        pid: this.child.pid,
        error: errorMessage(err)
      })
    }
  }

  private waitForClose(): void {
    this.grace ??= setTimeout(this.finish, CLOSE_GRACE_MS)
  }

  private stop(reason: unknown): void {
    this.failure ??= reason
    this.killGroup()
    this.waitForClose()
  }

  private readonly onAbort = (): void => this.stop(this.ctx.signal.reason)

  private readonly finish = (): void => {
    if (this.settled) return
    this.settled = true
    clearTimeout(this.grace)
    this.ctx.signal.removeEventListener('abort', this.onAbort)
    this.untrack?.()
    this.child.stdout.destroy()
    this.child.stderr.destroy()
    try {
      this.resolve(this.outcome())
    } catch (err) {
      this.reject(err)
    }
  }

  /** The run's value once the process is gone; throws why there is none. */
  private outcome(): unknown {
    const { name, exit } = this
    if (this.failure !== undefined) throw describeFailure(this.failure, name)
    const tail = this.stderrTail.toString('utf8').trim()
    const detail = tail === '' ? ' (stderr was empty)' : `: ${tail}`
    if (exit === undefined) throw new HandlerError('handler_failed', `${name} did not exit${detail}`)
    if (exit.signal !== null)
      throw new HandlerError('handler_failed', `${name} was killed by ${exit.signal}${detail}`)
    if (exit.code !== 0)
      throw new HandlerError('handler_failed', `${name} exited with code ${exit.code}${detail}`)
    this.lines.push(this.decoder.decode())
    const text = this.lines.rest()
    // A message needs no answer: a handler may print nothing.
    if (this.request.type === 'message' && text.trim() === '') return null
    return parseStdout(text, name)
  }
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
