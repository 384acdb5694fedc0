import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AgentCard } from '@a2a-js/sdk'
import { DefaultRequestHandler } from '@a2a-js/sdk/server'
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express'
import { isLoopbackHost } from '@mesh-node/config'
import express, { type NextFunction, type Request, type Response } from 'express'
import type { Logger } from 'pino'
import { buildCard, JSONRPC_PATH, signCard, signingKey } from './card.js'
import { A2aServerError } from './errors.js'
import { meshExecutor } from './executor.js'
import { isLegacyRequest, toLegacyCard } from './legacy-card.js'
import type { MeshSkill, MeshTasks } from './mesh-tasks.js'
import { MeshTaskStore } from './task-store.js'
import { bearerMatches } from './token.js'

export interface A2aServerInit {
  host: string
  port: number
  token: string
  /** Bind to an address other than loopback; off by default, as for the control API. */
  allowRemote?: boolean
  /** @default 30000 */
  defaultTimeoutMs?: number
  /** @default 600000 */
  maxTimeoutMs?: number
  /** @default 'mesh-node' */
  name?: string
  /** @default '0.1.0' */
  version?: string
}

export interface A2aServerComponents {
  tasks: MeshTasks
  skills: () => MeshSkill[]
  peerId: string
  /** The node's Ed25519 private key, raw (64 bytes): it signs the card. */
  privateKey: Uint8Array
  log: Logger
}

export interface A2aServer {
  /** http://HOST:PORT once started. */
  readonly url: string
  readonly cardUrl: string
  start(): Promise<void>
  stop(): Promise<void>
}

class MeshA2aServer implements A2aServer {
  private server?: Server
  url = ''
  private signed?: { skills: string; card: AgentCard; legacy: Record<string, unknown> }

  constructor(
    private readonly init: A2aServerInit,
    private readonly c: A2aServerComponents
  ) {
    if (!isLoopbackHost(init.host) && init.allowRemote !== true)
      throw new A2aServerError(
        `the A2A listener ${init.host}:${init.port} is not on loopback; bind it to 127.0.0.1, or allow it with --a2a-allow-remote ("a2a": {"allowRemote": true}) on a network you trust`,
        'a2a_not_loopback'
      )
  }

  get cardUrl(): string {
    return `${this.url}/.well-known/agent-card.json`
  }

  async start(): Promise<void> {
    const key = signingKey(this.c.privateKey)
    const card = (): AgentCard =>
      buildCard(
        {
          name: this.init.name ?? 'mesh-node',
          baseUrl: this.url,
          version: this.init.version ?? '0.1.0',
          peerId: this.c.peerId
        },
        this.c.skills()
      )
    const base = card()
    const handler = new DefaultRequestHandler(
      base,
      new MeshTaskStore(this.c.tasks),
      meshExecutor({
        tasks: this.c.tasks,
        skills: this.c.skills,
        defaultTimeoutMs: this.init.defaultTimeoutMs ?? 30_000,
        maxTimeoutMs: this.init.maxTimeoutMs ?? 600_000,
        log: this.c.log
      })
    )
    // Skills follow the mesh: re-signed only when they change.
    const current = async (): Promise<AgentCard> => {
      const fresh = card()
      const skills = JSON.stringify(fresh.skills)
      let signed = this.signed
      if (signed?.skills !== skills) {
        const legacy = await signCard(toLegacyCard(fresh) as unknown as AgentCard, key, this.c.peerId)
        signed = { skills, card: await signCard(fresh, key, this.c.peerId), legacy: { ...legacy } }
        this.signed = signed
      }
      base.skills = fresh.skills
      return signed.card
    }
    const app = express()
    app.disable('x-powered-by')
    // A 0.3 client gets the card in 0.3's shape, signed as it reads it.
    app.get('/.well-known/agent-card.json', (req: Request, res: Response, next: NextFunction) => {
      if (!isLegacyRequest(req.header('A2A-Version'))) {
        next()
        return
      }
      current().then(
        () => res.set({ Vary: 'A2A-Version', 'Cache-Control': 'no-cache' }).json(this.signed?.legacy),
        next
      )
    })
    app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: current }))
    app.use(
      JSONRPC_PATH,
      this.authorize(),
      jsonRpcHandler({
        requestHandler: handler,
        userBuilder: UserBuilder.noAuthentication,
        legacyCompat: { enabled: true }
      })
    )
    app.use((_req: Request, res: Response) => {
      res.status(404).json({
        error: `not found: the agent card is at /.well-known/agent-card.json, JSON-RPC at ${JSONRPC_PATH}`
      })
    })
    this.server = await listen(app, this.init)
    const addr = this.server.address() as AddressInfo
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address
    this.url = `http://${host}:${addr.port}`
    this.c.log.info({ url: this.url, card: this.cardUrl }, 'serving the mesh as an A2A agent')
  }

  private authorize() {
    return (req: Request, res: Response, next: NextFunction): void => {
      if (bearerMatches(req.headers.authorization, this.init.token)) {
        next()
        return
      }
      res
        .status(401)
        .set('WWW-Authenticate', 'Bearer realm="mesh-node a2a"')
        .json({
          jsonrpc: '2.0',
          id: null,
          error: {
            code: -32001,
            message:
              'unauthorized: send "Authorization: Bearer <token>" with the token from DATA_DIR/a2a.token (mesh-node a2a token)'
          }
        })
    }
  }

  async stop(): Promise<void> {
    const server = this.server
    if (server == null) return
    this.server = undefined
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

async function listen(app: express.Express, init: A2aServerInit): Promise<Server> {
  return await new Promise((resolve, reject) => {
    const server = app.listen(init.port, init.host)
    server.once('listening', () => resolve(server))
    server.once('error', (err: NodeJS.ErrnoException) => {
      const inUse = err.code === 'EADDRINUSE'
      reject(
        new A2aServerError(
          inUse
            ? `A2A address ${init.host}:${init.port} is already in use; choose another with --a2a HOST:PORT`
            : `cannot start the A2A listener on ${init.host}:${init.port}: ${err.message}`,
          inUse ? 'a2a_address_in_use' : 'a2a_failed'
        )
      )
    })
  })
}

/** The A2A listener, js-libp2p style: `a2aServer(init)(components)`. */
export function a2aServer(init: A2aServerInit): (components: A2aServerComponents) => A2aServer {
  return (components) => new MeshA2aServer(init, components)
}
