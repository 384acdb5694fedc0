import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * An A2A agent that speaks only A2A 0.3 as its spec has it, written against
 * the spec rather than an SDK: a 0.3 card (whatever A2A-Version is asked
 * for), and JSON-RPC with 0.3 names only: `message/send`, `message/stream`,
 * `tasks/get`, `tasks/cancel`. Any other method is -32601. Skills: `shout`
 * upper-cases `{ text }`; `wait` works until cancelled.
 */
export interface A2aV03Agent {
  /** The card's URL. */
  url: string
  /** Every JSON-RPC method called, in order. */
  methods: string[]
  cancelled: string[]
  close(): Promise<void>
}

interface Params {
  id?: string
  message?: { metadata?: { skill?: string }; parts?: Array<{ kind: string; data?: { text?: string } }> }
}
type Rpc = { id: unknown; method: string; params: Params }

const card = (base: string) => ({
  protocolVersion: '0.3.0',
  name: 'legacy',
  description: 'an A2A 0.3 agent',
  url: `${base}/rpc`,
  preferredTransport: 'JSONRPC',
  version: '1.0.0',
  capabilities: { streaming: true },
  defaultInputModes: ['application/json'],
  defaultOutputModes: ['application/json'],
  skills: [
    { id: 'shout', name: 'shout', description: 'upper-cases its text', tags: [] },
    { id: 'wait', name: 'wait', description: 'works until cancelled', tags: [] }
  ]
})
const task = (id: string, state: string, artifacts: unknown[] = []) => ({
  kind: 'task',
  id,
  contextId: 'ctx',
  status: { state },
  artifacts
})
const shout = (params: Params) => {
  const part = params.message?.parts?.[0]
  return [
    {
      artifactId: 'out',
      parts: [{ kind: 'data', data: { upper: String(part?.data?.text).toUpperCase() } }]
    }
  ]
}

export async function startA2aV03Agent(): Promise<A2aV03Agent> {
  const methods: string[] = []
  const cancelled: string[] = []
  const waiting = new Map<string, (state: string) => void>()
  const tasks = new Map<string, Record<string, unknown>>()
  let n = 0
  let base = ''
  const stream = (rpc: Rpc, res: ServerResponse): void => {
    const id = `t${++n}`
    const skill = rpc.params.message?.metadata?.skill
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    const send = (result: unknown) =>
      res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result })}\n\n`)
    send(task(id, 'working'))
    const final = (state: string, artifacts: unknown[] = []) => {
      tasks.set(id, task(id, state, artifacts))
      for (const artifact of artifacts)
        send({ kind: 'artifact-update', taskId: id, contextId: 'ctx', artifact, lastChunk: true })
      send({ kind: 'status-update', taskId: id, contextId: 'ctx', status: { state }, final: true })
      res.end()
    }
    if (skill === 'wait') {
      tasks.set(id, task(id, 'working'))
      waiting.set(id, (state) => final(state))
    } else final('completed', shout(rpc.params))
  }
  const answer = (rpc: Rpc, res: ServerResponse): void => {
    const reply = (body: Record<string, unknown>) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, ...body }))
    }
    const id = rpc.params.id ?? ''
    if (rpc.method === 'message/stream') stream(rpc, res)
    else if (rpc.method === 'message/send') reply({ result: task(`t${++n}`, 'completed', shout(rpc.params)) })
    else if (rpc.method === 'tasks/get') reply({ result: tasks.get(id) ?? null })
    else if (rpc.method === 'tasks/cancel') {
      cancelled.push(id)
      waiting.get(id)?.('canceled')
      reply({ result: task(id, 'canceled') })
    } else reply({ error: { code: -32601, message: `Method not found: ${rpc.method}` } })
  }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && req.url === '/.well-known/agent-card.json') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(card(base)))
      return
    }
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString()
    })
    req.on('end', () => {
      let rpc: Rpc
      try {
        rpc = JSON.parse(body) as Rpc
      } catch {
        res.writeHead(400).end()
        return
      }
      methods.push(rpc.method)
      answer(rpc, res)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: `${base}/.well-known/agent-card.json`,
    methods,
    cancelled,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
