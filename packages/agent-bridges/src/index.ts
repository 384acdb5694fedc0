/**
 * @packageDocumentation
 *
 * The handler kinds that bridge to a service elsewhere: `openai` (an
 * OpenAI-compatible chat completions endpoint), `mcp` (an MCP server's tools,
 * over stdio or streamable HTTP) and `a2a` (an A2A agent's skills), with the
 * parsing of the mcp and a2a spec fields and the A2A part conversions that
 * packages/a2a-server shares.
 *
 * The MCP and A2A SDKs are large, so {@link mcpAgent} and {@link a2aAgent}
 * load them on first use: a daemon without such an agent never loads them.
 *
 * @example
 * ```ts
 * import { mcpAgent } from '@mesh-node/agent-bridges'
 *
 * const { handler, connection } = await mcpAgent(
 *   { kind: 'mcp', command: ['npx', 'mcp-server-everything'] }, 'everything', (level, msg) => console.log(level, msg))
 * console.log(connection.capabilities())
 * await connection.close()
 * ```
 */

import type { A2aHandlerSpec, McpHandlerSpec, RuntimeLog } from '@mesh-node/handlers'
import type { A2aAgent } from './a2a.js'
import type { McpAgent } from './mcp.js'

export type { A2aAgent } from './a2a.js'
/** A2A parts and JSON values, both ways: the a2a handler and packages/a2a-server speak them the same. */
export { partOf, valueOfParts } from './a2a-parts.js'
export type { McpAgent } from './mcp.js'
export { openAiHandler } from './openai.js'
export { A2A_FIELDS, MCP_FIELDS, parseA2aSpec, parseMcpSpec } from './parse-mcp-spec.js'

/** Connects to the MCP server of `spec` (loading the MCP SDK now) and returns its handler and live connection. */
export async function mcpAgent(spec: McpHandlerSpec, agent: string, log: RuntimeLog): Promise<McpAgent> {
  const { mcpAgent: connect } = await import('./mcp.js')
  return connect(spec, agent, log)
}

/** Connects to the A2A agent of `spec` (loading the A2A SDK now) and returns its handler and live connection. */
export async function a2aAgent(spec: A2aHandlerSpec, agent: string, log: RuntimeLog): Promise<A2aAgent> {
  const { a2aAgent: connect } = await import('./a2a.js')
  return connect(spec, agent, log)
}
