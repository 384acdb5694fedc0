import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type {
  BidRequest,
  BrainstormRequest,
  CritiqueRequest,
  HandlerContext,
  TaskRequest,
  VoteRequest
} from '../src/index.js'

export const logs: { msg: string; fields?: Record<string, unknown> }[] = []

/** Pieces the handlers under test streamed through ctx.emit. */
export const pieces: { kind: string; data: unknown }[] = []

export function ctx(signal: AbortSignal = new AbortController().signal, agent = 'tester'): HandlerContext {
  return {
    signal,
    agent,
    log: (msg, fields) => logs.push({ msg, ...(fields ? { fields } : {}) }),
    emit: (kind, data) => pieces.push({ kind, data })
  }
}

const MINUTE = 60_000

export function task(input: unknown, extra: Partial<TaskRequest> = {}): TaskRequest {
  return {
    type: 'task_request',
    taskId: 't-' + Math.random().toString(36).slice(2),
    capability: 'test',
    input,
    from: 'peer-a',
    deadline: Date.now() + MINUTE,
    ...extra
  }
}

export function vote(options: string[], question = 'Which one?'): VoteRequest {
  return {
    type: 'consensus_vote',
    question,
    options,
    correlationId: 'c1',
    from: 'peer-a',
    deadline: Date.now() + MINUTE
  }
}

export function brainstorm(problem: string): BrainstormRequest {
  return { type: 'brainstorm', problem, correlationId: 'c2', from: 'peer-a', deadline: Date.now() + MINUTE }
}

export function critique(ideas: string[], problem = 'p'): CritiqueRequest {
  return {
    type: 'critique',
    problem,
    ideas,
    correlationId: 'c3',
    from: 'peer-a',
    deadline: Date.now() + MINUTE
  }
}

export function bid(score: number): BidRequest {
  return {
    type: 'bid_request',
    capability: 'test',
    input: null,
    correlationId: 'c4',
    from: 'peer-a',
    deadline: Date.now() + MINUTE,
    score
  }
}

/**
 * True once `pid` no longer runs. A SIGKILLed orphan can linger as a zombie
 * until init reaps it (containers often have no reaping init), and a zombie
 * still answers kill(pid, 0), so check its state too.
 */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true
    throw err
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return true
  }
}

export interface TestServer {
  url: string
  close(): Promise<void>
}

export type Route = (req: IncomingMessage, body: string, res: ServerResponse) => void

/** A real HTTP server on an ephemeral loopback port that hands each request's body to `route`. */
export async function serve(route: Route): Promise<TestServer> {
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
    })
    req.on('end', () => route(req, body, res))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Requests the tests left hanging (timeouts) would keep close() waiting.
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      })
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/** SIGKILL is delivered asynchronously: give the kernel a deadline, not a sleep. */
export async function becomesGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!isGone(pid)) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return true
}
