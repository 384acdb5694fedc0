import type { AgentCard } from '@a2a-js/sdk'
import {
  type Client,
  ClientFactory,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory
} from '@a2a-js/sdk/client'
import type { A2aHandlerSpec, RuntimeLog } from '@mesh-node/handlers'
import { errorMessage, HandlerError, LiveCapabilities } from '@mesh-node/handlers'
import { type McpTool, toolsToCapabilities } from './mcp-tools.js'

/** The card is re-read this often, so new or dropped skills reach the mesh. */
const REFRESH_MS = 30_000
const BACKOFF_FIRST_MS = 500
const BACKOFF_MAX_MS = 30_000

/**
 * One agent's link to a remote A2A agent. The card is read at startup (a
 * failure is a startup error) and then every 30 s; while it cannot be read,
 * the agent offers nothing and leaves the registry, and it is retried with
 * backoff until it is back.
 */
export class A2aConnection extends LiveCapabilities<McpTool> {
  private client: Client | undefined
  private card: AgentCard | undefined
  private attempt = 0
  private readonly factory: ClientFactory

  constructor(
    private readonly spec: A2aHandlerSpec,
    private readonly agent: string,
    private readonly log: RuntimeLog
  ) {
    super()
    const extra = spec.headers ?? {}
    const fetchImpl: typeof fetch = (input, init) => {
      const headers = new Headers(init?.headers)
      for (const [k, v] of Object.entries(extra)) headers.set(k, v)
      return fetch(input, { ...init, headers })
    }
    this.factory = new ClientFactory({
      transports: [
        new JsonRpcTransportFactory({ fetchImpl, legacyCompat: { enabled: true } }),
        new RestTransportFactory({ fetchImpl })
      ],
      // A 0.3 card (`url`, `protocolVersion: "0.3.0"`) is read too; the JSON-RPC
      // transport then speaks 0.3's method names (`message/send`, …) to it.
      cardResolver: new DefaultAgentCardResolver({ fetchImpl, legacyCompat: { enabled: true } })
    })
  }

  async start(): Promise<void> {
    try {
      await this.connect()
    } catch (err) {
      throw new HandlerError(
        'handler_failed',
        `cannot read the A2A agent card at ${this.spec.url}: ${errorMessage(err)}`,
        {
          cause: err
        }
      )
    }
    this.schedule(REFRESH_MS)
  }

  streams(): boolean {
    return this.card?.capabilities?.streaming === true
  }

  connected(): Client {
    if (this.client === undefined) {
      throw new HandlerError('handler_failed', `the A2A agent at ${this.spec.url} is unreachable (retrying)`)
    }
    return this.client
  }

  private async connect(): Promise<void> {
    const client = await this.factory.createFromUrl(this.spec.url, '')
    const card = await client.getAgentCard()
    this.client = client
    this.card = card
    // A card's skills carry no JSON Schema in A2A 0.3; one given as an `inputSchema` extension field is used.
    const offered = card.skills.map((s) => ({
      name: s.id,
      description: s.description,
      inputSchema: (s as { inputSchema?: unknown }).inputSchema
    }))
    const next = toolsToCapabilities(
      { tools: this.spec.skills, prefix: this.spec.prefix },
      offered,
      this.agent,
      this.log
    )
    if ([...next.keys()].join('\n') !== this.capabilities().join('\n')) {
      this.replace(next)
    }
  }

  private schedule(delay: number): void {
    if (this.closed) return
    this.timer = setTimeout(() => {
      this.connect().then(
        () => {
          this.attempt = 0
          this.schedule(REFRESH_MS)
        },
        (err) => {
          if (this.size > 0) {
            this.log('warn', 'A2A agent card unreadable; the agent leaves until it is back', {
              agent: this.agent,
              error: errorMessage(err)
            })
            this.client = undefined
            this.replace(new Map())
          }
          this.schedule(Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt++))
        }
      )
    }, delay)
    this.timer.unref()
  }
}
