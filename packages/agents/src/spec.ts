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

export type HandlerSpec =
  | BuiltinHandlerSpec
  | ExecHandlerSpec
  | HttpHandlerSpec
  | ModuleHandlerSpec
  | OpenAiHandlerSpec

export type HandlerKind = HandlerSpec['kind']

export interface AgentSpec {
  name: string
  capabilities: string[]
  /** How many tasks may run at once. */
  capacity: number
  handler: HandlerSpec
  /** User topics the agent follows; their messages reach the handler as `message` requests. */
  topics?: string[]
}
