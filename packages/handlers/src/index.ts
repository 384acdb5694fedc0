/**
 * @packageDocumentation
 *
 * The handler kinds that run on this machine (builtin, exec, http, module)
 * and what every kind shares: the handler spec types, {@link HandlerError},
 * the config-field readers, the SSE parser and JSON POST helper, the
 * process guard that keeps exec process groups from outliving the daemon,
 * and the live-capability table of connected kinds.
 *
 * `@mesh-node/agents` builds handlers from specs with these factories (its
 * `createHandler` adds the deadline and timeout guard); the remote kinds
 * (openai, mcp, a2a) live in `@mesh-node/agent-bridges` and build on the
 * shared helpers here.
 *
 * @example
 * ```ts
 * import { execHandler } from '@mesh-node/handlers'
 *
 * const handler = execHandler({ kind: 'exec', command: ['python3', 'summarise.py'] }, '/etc/mesh-node')
 * ```
 */

export { builtinHandler } from './builtin.js'
export { BUILTIN_NAMES, isBuiltinName, isOptionProblem, parseBuiltinOptions } from './builtin-options.js'
export {
  AgentConfigError,
  errorMessage,
  HandlerError,
  type HandlerErrorCode,
  unsupportedRequest
} from './errors.js'
export { execHandler } from './exec.js'
export { httpHandler } from './http.js'
export { type LiveAgent, LiveCapabilities } from './live-agent.js'
export type { LogLevel, RuntimeLog } from './log.js'
export { moduleHandler } from './module.js'
export { postJson, snippet } from './post-json.js'
export { createProcessGuard, type ProcessGuard, reapLeftovers } from './process-guard.js'
export type {
  A2aHandlerSpec,
  AgentSpec,
  BuiltinHandlerSpec,
  CapabilitySchemas,
  ExecHandlerSpec,
  HandlerKind,
  HandlerSpec,
  HttpHandlerSpec,
  McpHandlerSpec,
  ModuleHandlerSpec,
  OpenAiHandlerSpec
} from './spec.js'
export { SseParser } from './sse.js'
export {
  CAPABILITY,
  type Fail,
  isPlainObject,
  MAX_TIMEOUT_MS,
  readHttpUrl,
  readString,
  readStringRecord,
  readTimeout,
  rejectUnknownFields
} from './validate.js'
