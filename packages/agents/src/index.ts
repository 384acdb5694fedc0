/**
 * @packageDocumentation
 *
 * The local agent runtime of a mesh-node: parses the `agents` section of the
 * daemon config, builds a handler for each agent (builtin, exec, http,
 * module or openai), and runs tasks within each agent's capacity while
 * reporting load to the mesh. Votes, brainstorms, critiques and bids are
 * asked of a specific agent and never wait for a task slot; they have their
 * own bounded pool per agent, so no remote peer can spawn processes without
 * limit.
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
export { AgentConfigError, HandlerError, type HandlerErrorCode } from './errors.js'
/** A2A parts and JSON values, both ways: the a2a handler and packages/a2a-server speak them the same. */
export { partOf, valueOfParts } from './handlers/a2a-parts.js'
export { BUILTIN_NAMES } from './handlers/builtin-options.js'
export {
  type CreateHandlerOptions,
  createHandler,
  createLiveHandler,
  type LiveHandler
} from './handlers/create-handler.js'
export type { LiveAgent } from './live-agent.js'
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
export type {
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
