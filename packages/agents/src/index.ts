/**
 * @packageDocumentation
 *
 * The local agent runtime of a mesh-node: parses the `agents` section of the
 * daemon config, builds a handler for each agent (builtin, exec, http,
 * module or openai), and runs tasks within each agent's capacity while
 * reporting load to the mesh. The handler kinds themselves live in
 * `@mesh-node/handlers` (local: builtin, exec, http, module) and
 * `@mesh-node/agent-bridges` (remote: openai, mcp, a2a); this package
 * parses specs, composes the kinds and runs them.
 *
 * Votes, brainstorms, critiques and bids are asked of a specific agent and
 * never wait for a task slot; they have their own bounded pool per agent, so
 * no remote peer can spawn processes without limit.
 *
 * @example
 * ```ts
 * import { createAgentRuntime, parseAgentSpecs } from '@mesh-node/agents'
 *
 * const agents = parseAgentSpecs([
 *   { name: 'upper', capabilities: ['text.upper'], handler: { kind: 'builtin', name: 'upper' } },
 *   { name: 'summarise', capabilities: ['text.summarise'], capacity: 2,
 *     handler: { kind: 'exec', command: ['python3', 'summarise.py'], timeoutMs: 60000 } }
 * ], { baseDir: '/etc/mesh-node' })
 *
 * const runtime = await createAgentRuntime({ agents, baseDir: '/etc/mesh-node' })
 * runtime.onChange((states) => console.log(states.map((s) => `${s.name}: ${s.load}`)))
 * const outcome = await runtime.runTask({
 *   type: 'task_request', taskId: 't1', capability: 'text.upper', input: 'hi',
 *   from: 'local', deadline: Date.now() + 30_000
 * })
 * // outcome = { status: 'completed', agent: 'upper', result: 'HI' }
 * await runtime.close()
 * ```
 */

export {
  AgentConfigError,
  type AgentSpec,
  type BuiltinHandlerSpec,
  type CapabilitySchemas,
  type ExecHandlerSpec,
  HandlerError,
  type HandlerErrorCode,
  type HandlerKind,
  type HandlerSpec,
  type HttpHandlerSpec,
  type LiveAgent,
  type McpHandlerSpec,
  type ModuleHandlerSpec,
  type OpenAiHandlerSpec
} from '@mesh-node/handlers'
export type {
  AgentHandler,
  BidAnswer,
  BidRequest,
  BrainstormAnswer,
  BrainstormRequest,
  CritiqueAnswer,
  CritiqueRequest,
  HandlerContext,
  HandlerRequest,
  TaskRequest,
  VoteAnswer,
  VoteRequest
} from '@mesh-node/sdk'
export {
  type CreateHandlerOptions,
  createHandler,
  createLiveHandler,
  type LiveHandler
} from './create-handler.js'
export { type ParseAgentSpecsOptions, parseAgentSpecs } from './parse-agent-specs.js'
export { createAgentRuntime } from './runtime.js'
export type {
  AgentRuntime,
  AgentRuntimeInit,
  AgentState,
  CallOptions,
  LogLevel,
  RunOutcome,
  RuntimeLog,
  TaskPiece
} from './runtime-types.js'
export { SchemaChecker, type SchemaCheckerInit, SchemaCompileError } from './schema-check.js'
