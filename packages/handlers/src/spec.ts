export interface BuiltinHandlerSpec {
  kind: 'builtin'
  name: string
  options?: Record<string, unknown>
}

export interface ExecHandlerSpec {
  kind: 'exec'
  /** Program and arguments, run without a shell. */
  command: string[]
  /** Added to (and overriding) the daemon's environment. */
  env?: Record<string, string>
  /** Absolute after parsing; defaults to the config's directory. */
  cwd?: string
  timeoutMs?: number
}

export interface HttpHandlerSpec {
  kind: 'http'
  url: string
  headers?: Record<string, string>
  timeoutMs?: number
}

export interface ModuleHandlerSpec {
  kind: 'module'
  /** Absolute after parsing. */
  path: string
  /** Named export holding the handler; defaults to `default`, then `handler`. */
  export?: string
}

export interface OpenAiHandlerSpec {
  kind: 'openai'
  /** e.g. `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`. */
  baseUrl: string
  model: string
  system?: string
  /** Name of the environment variable holding the API key (never the key itself). */
  apiKeyEnv?: string
  timeoutMs?: number
  temperature?: number
  maxTokens?: number
}

/**
 * An MCP server whose tools become the agent's capabilities: either a stdio
 * `command` the runtime starts (and restarts), or a streamable-HTTP `url`.
 */
export interface McpHandlerSpec {
  kind: 'mcp'
  /** Program and arguments of a stdio server, run without a shell. */
  command?: string[]
  env?: Record<string, string>
  /** Absolute after parsing; defaults to the config's directory. */
  cwd?: string
  /** Endpoint of a streamable-HTTP server. Exactly one of `command` and `url`. */
  url?: string
  headers?: Record<string, string>
  /** Tool name to capability; absent: every tool, named `prefix` + tool name. */
  tools?: Record<string, string>
  prefix?: string
  timeoutMs?: number
}

/** A remote A2A agent: its card's skills become the agent's capabilities. */
export interface A2aHandlerSpec {
  kind: 'a2a'
  /** The agent card's URL, e.g. `https://host/.well-known/agent-card.json`. */
  url: string
  /** Sent with the card fetch and every call (e.g. `authorization`). */
  headers?: Record<string, string>
  /** Skill id to capability; absent: every skill, named `prefix` + skill id. */
  skills?: Record<string, string>
  prefix?: string
  timeoutMs?: number
}

export type HandlerSpec =
  | BuiltinHandlerSpec
  | ExecHandlerSpec
  | HttpHandlerSpec
  | ModuleHandlerSpec
  | OpenAiHandlerSpec
  | McpHandlerSpec
  | A2aHandlerSpec

export type HandlerKind = HandlerSpec['kind']

/** What a capability declares about itself (all optional). */
export interface CapabilitySchemas {
  description?: string
  /** JSON Schema of the task input; the origin checks it before dispatch, the executor again. */
  inputSchema?: unknown
  /** JSON Schema of the result; the executor fails a task whose result breaks it. */
  outputSchema?: unknown
}

export interface AgentSpec {
  name: string
  /** Empty for kinds whose capabilities come from the backing service (mcp). */
  capabilities: string[]
  /** Capability name to its declared schemas, for those that declare any. */
  schemas?: Record<string, CapabilitySchemas>
  /** How many tasks may run at once. */
  capacity: number
  handler: HandlerSpec
  /** User topics the agent follows; their messages reach the handler as `message` requests. */
  topics?: string[]
}
