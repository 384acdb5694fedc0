import type { McpHandlerSpec, RuntimeLog } from '@mesh-node/handlers'
import { errorMessage, HandlerError, LiveCapabilities } from '@mesh-node/handlers'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import type { Tool } from '@modelcontextprotocol/sdk/types.js'
import { type McpTool, toolsToCapabilities } from './mcp-tools.js'

const CONNECT_TIMEOUT_MS = 15_000
/** Restart delays double from the first to the last; a server that stayed up this long starts again at the first. */
const BACKOFF_FIRST_MS = 250
const BACKOFF_MAX_MS = 30_000
const STABLE_MS = 10_000
const MAX_TOOL_PAGES = 16
const STDERR_TAIL = 4096

/**
 * One agent's link to its MCP server. The first connection happens at
 * startup and its failure is a startup error (a wrong command should not
 * look like a healthy node); after that, a lost server is reconnected (a
 * stdio one restarted) with exponential backoff, and its tools leave and
 * come back with it.
 */
export class McpConnection extends LiveCapabilities<McpTool> {
  private client: Client | undefined
  private attempt = 0
  private connectedAt = 0
  private stderr = ''

  constructor(
    private readonly spec: McpHandlerSpec,
    private readonly agent: string,
    private readonly log: RuntimeLog
  ) {
    super()
  }

  async start(): Promise<void> {
    try {
      await this.connect()
    } catch (err) {
      throw new HandlerError(
        'handler_failed',
        `cannot start MCP server ${this.target()}: ${this.explain(err)}`,
        {
          cause: err
        }
      )
    }
  }

  /** The connected client, or a `handler_failed` saying the server is being restarted. */
  connected(): Client {
    if (this.client === undefined) {
      throw new HandlerError('handler_failed', `MCP server ${this.target()} is not connected (reconnecting)`)
    }
    return this.client
  }

  override async close(): Promise<void> {
    await super.close()
    const client = this.client
    this.client = undefined
    await client?.close().catch(() => {})
  }

  private async connect(): Promise<void> {
    const client = new Client(
      { name: 'mesh-node', version: '0.1.0' },
      { listChanged: { tools: { onChanged: (err, tools) => this.toolsChanged(client, err, tools) } } }
    )
    client.onclose = () => this.lost(client)
    try {
      await client.connect(this.transport(), { timeout: CONNECT_TIMEOUT_MS })
      const tools = await listAllTools(client)
      if (this.closed) throw new Error('the agent runtime is closing')
      this.client = client
      this.connectedAt = Date.now()
      this.setTools(toolsToCapabilities(this.spec, tools, this.agent, this.log, mcpResultSchema))
      this.log('info', 'mcp server connected', { agent: this.agent, tools: this.size })
    } catch (err) {
      client.onclose = undefined
      await client.close().catch(() => {})
      throw err
    }
  }

  private transport(): Transport {
    const { command, url } = this.spec
    if (url !== undefined) {
      return new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: this.spec.headers ?? {} }
      })
    }
    const [program, ...args] = command as string[]
    const env: Record<string, string> = { MESH_AGENT: this.agent }
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
    const transport = new StdioClientTransport({
      command: program as string,
      args,
      env: { ...env, ...this.spec.env },
      ...(this.spec.cwd ? { cwd: this.spec.cwd } : {}),
      stderr: 'pipe'
    })
    this.stderr = ''
    transport.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_TAIL)
    })
    return transport
  }

  private toolsChanged(client: Client, err: Error | null, tools: Tool[] | null): void {
    if (client !== this.client) return
    if (err !== null || tools === null) {
      this.log('warn', 'mcp tool list refresh failed', { agent: this.agent, error: errorMessage(err) })
      return
    }
    this.setTools(toolsToCapabilities(this.spec, tools, this.agent, this.log, mcpResultSchema))
  }

  private lost(client: Client): void {
    if (client !== this.client) return
    this.client = undefined
    this.setTools(new Map())
    if (this.closed) return
    if (Date.now() - this.connectedAt >= STABLE_MS) this.attempt = 0
    this.log('warn', 'mcp server connection lost; reconnecting', {
      agent: this.agent,
      stderr: this.stderr.trim().slice(-500)
    })
    this.retry()
  }

  private retry(): void {
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.attempt)
    this.attempt++
    this.timer = setTimeout(() => {
      this.connect().catch((err) => {
        this.log('warn', 'mcp server reconnect failed', {
          agent: this.agent,
          error: this.explain(err),
          delay
        })
        if (!this.closed) this.retry()
      })
    }, delay)
    this.timer.unref()
  }

  private setTools(tools: Map<string, McpTool>): void {
    this.replace(tools)
  }

  private target(): string {
    return this.spec.url ?? JSON.stringify(this.spec.command?.join(' '))
  }

  private explain(err: unknown): string {
    const tail = this.stderr.trim().slice(-500)
    return tail ? `${errorMessage(err)}: ${tail}` : errorMessage(err)
  }
}

async function listAllTools(client: Client): Promise<Tool[]> {
  const tools: Tool[] = []
  let cursor: string | undefined
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const res = await client.listTools(cursor === undefined ? {} : { cursor }, {
      timeout: CONNECT_TIMEOUT_MS
    })
    tools.push(...res.tools)
    cursor = res.nextCursor
    if (cursor === undefined) break
  }
  return tools
}

/** An mcp task's result is `{ content, structuredContent }`; the tool's output schema types the latter. */
function mcpResultSchema(outputSchema: unknown): unknown {
  return {
    type: 'object',
    properties: { structuredContent: outputSchema },
    required: ['structuredContent']
  }
}
