import { createHash, randomUUID, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { InvalidRequestError } from '@mesh-node/api'
import type { Logger } from 'pino'
import { ApiError, badRequest } from './api-error.js'
import { assertJsonDepth, hostChecker } from './request-guards.js'
import { RouteTable } from './route-table.js'

/** Return this from a handler to answer with a status other than the route's. */
export class ApiReply {
  constructor(
    readonly status: number,
    readonly body: unknown
  ) {}
}

export interface RequestContext {
  /** The decoded path segment matched by `:name` in the route's path; throws for a name the path lacks. */
  param(name: string): string
  query: URLSearchParams
  body: unknown
  req: IncomingMessage
  res: ServerResponse
  /** Child logger carrying this request's correlation id. */
  log: Logger
  /** The agent whose scoped token made this request; absent for the full token. */
  agent?: string
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE'
  /** A path like `/v1/tasks/:id`. */
  path: string
  /** Returns the JSON body (status 200), or takes over `res` itself when `raw` is set. */
  handler: (ctx: RequestContext) => unknown
  raw?: boolean
  status?: number
  /** Answered without a token (health probes, the metrics listener). */
  public?: boolean
  /** Also open to agents' scoped tokens (publish and send only). */
  scoped?: boolean
}

export interface ApiServerInit {
  host: string
  port: number
  token: string
  routes: Route[]
  log: Logger
  /** A second way in besides the bearer token (the dashboard's session cookie). */
  authorize?: (req: IncomingMessage) => boolean
  /** Tokens handed to agents, by token: such a token may call only `scoped` routes. */
  scopedTokens?: ReadonlyMap<string, string>
  /** Largest request body accepted. @default 1 MiB */
  maxBodyBytes?: number
}

export interface ApiServer {
  readonly url: string
  close(): Promise<void>
}

export async function startApiServer(init: ApiServerInit): Promise<ApiServer> {
  const maxBody = init.maxBodyBytes ?? 1024 * 1024
  const expected = digest(init.token)
  const routes = new RouteTable(init.routes)
  // Set once the port is known (port 0 picks one); until then nothing is answered.
  let checkHost: (header: string | undefined) => void = () => {
    throw new ApiError(503, 'starting', 'the API is starting; try again')
  }

  const server = createServer((req, res) => {
    const log = init.log.child({ reqId: randomUUID().slice(0, 8) })
    handle(req, res, log).catch((err: unknown) => sendError(res, log, err))
  })

  async function handle(req: IncomingMessage, res: ServerResponse, log: Logger): Promise<void> {
    checkHost(req.headers.host)
    const url = new URL(req.url ?? '/', 'http://localhost')
    const agent = scopedAgent(req.headers.authorization, init.scopedTokens)
    const found = routes.match(req.method, url.pathname)
    if ('route' in found) {
      const { route, param } = found
      // An agent's scoped token is its identity: it never falls back to the cookie or the full token.
      if (route.public !== true && agent == null) authorize(req)
      if (agent != null && route.scoped !== true && route.public !== true)
        throw new ApiError(
          403,
          'forbidden',
          `this token is scoped to agent ${agent}: it may only publish or send messages, not ${req.method} ${url.pathname}`
        )
      const body = req.method === 'POST' ? await readJson(req, maxBody) : undefined
      log.debug({ method: req.method, path: url.pathname }, 'api request')
      const result = await route.handler({ param, query: url.searchParams, body, req, res, log, agent })
      if (result instanceof ApiReply) sendJson(res, result.status, result.body)
      else if (!route.raw) sendJson(res, route.status ?? 200, result ?? { ok: true })
      return
    }
    const { known, methodMismatch } = found
    if (!known && !url.pathname.startsWith('/v1/'))
      throw new ApiError(404, 'not_found', `no such route: ${url.pathname} (the API lives under /v1/)`)
    // Unknown routes answer 401 to strangers, so the token guards even the route list.
    if (agent == null) authorize(req)
    if (methodMismatch)
      throw new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}`)
    throw new ApiError(404, 'not_found', `no such route: ${req.method} ${url.pathname}`)
  }

  function authorize(req: IncomingMessage): void {
    if (authorized(req.headers.authorization, expected)) return
    if (init.authorize?.(req) === true) return
    throw new ApiError(
      401,
      'unauthorized',
      'missing or wrong bearer token (send "Authorization: Bearer <token from DATA_DIR/api.token>")'
    )
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.port, init.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', (err) => init.log.error({ err }, 'api server error'))
  const addr = server.address() as AddressInfo
  checkHost = hostChecker(init.host, addr.port)
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address

  return {
    url: `http://${host}:${addr.port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** Constant-time: both sides are hashed to equal length before comparing. */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '')
  return match?.[1] != null && timingSafeEqual(digest(match[1]), expected)
}

function scopedAgent(header: string | undefined, tokens?: ReadonlyMap<string, string>): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '')
  return match?.[1] != null ? tokens?.get(match[1]) : undefined
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes)
      throw new ApiError(413, 'payload_too_large', `request body exceeds ${maxBytes} bytes`)
    chunks.push(chunk)
  }
  if (size === 0) return undefined
  let body: unknown
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch (err) {
    throw badRequest(`request body is not valid JSON: ${(err as Error).message}`)
  }
  assertJsonDepth(body)
  return body
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function sendError(res: ServerResponse, log: Logger, err: unknown): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  if (err instanceof ApiError) {
    sendJson(res, err.status, { error: err.message, code: err.code })
    return
  }
  if (err instanceof InvalidRequestError) {
    sendJson(res, 400, { error: err.message, code: err.code })
    return
  }
  log.error({ err }, 'api handler failed')
  sendJson(res, 500, { error: `internal error: ${(err as Error).message}`, code: 'internal' })
}
