import type { CapabilitySchemas, RuntimeLog } from '@mesh-node/handlers'
import { CAPABILITY } from '@mesh-node/handlers'
import { MAX_MCP_TOOLS } from './parse-mcp-spec.js'

/** What the mapping needs of an MCP tool or an A2A skill. */
export interface Offered {
  name: string
  description?: string | undefined
  inputSchema?: unknown
  outputSchema?: unknown
}

/** One MCP tool (or A2A skill) offered as a capability. */
export interface McpTool {
  tool: string
  capability: string
  /** What the capability declares, derived from the tool's own schemas. */
  schemas?: CapabilitySchemas
}

/**
 * Maps the server's tool list onto capabilities: the configured subset under
 * its configured names, or every tool as `prefix` + its name. Tools that
 * cannot be capability names are skipped with a warning rather than failing
 * the agent, since the server, not the config, chose them.
 */
export function toolsToCapabilities(
  spec: { tools?: Record<string, string>; prefix?: string },
  tools: Offered[],
  agent: string,
  log: RuntimeLog,
  /** The task result's schema given the tool's output schema; absent: results are not typed. */
  resultSchema?: (outputSchema: unknown) => unknown
): Map<string, McpTool> {
  const out = new Map<string, McpTool>()
  const byName = new Map(tools.map((t) => [t.name, t]))
  const wanted: [string, string][] = spec.tools
    ? Object.entries(spec.tools)
    : tools.map((t) => [t.name, `${spec.prefix ?? ''}${t.name}`])
  for (const [name, capability] of wanted) {
    const tool = byName.get(name)
    if (tool === undefined) {
      log('warn', 'mcp server does not offer a configured tool', { agent, tool: name })
      continue
    }
    if (!CAPABILITY.test(capability) || out.has(capability)) {
      log('warn', 'mcp tool skipped: its name is not a usable capability', { agent, tool: name, capability })
      continue
    }
    if (out.size >= MAX_MCP_TOOLS) {
      log('warn', `mcp server offers more than ${MAX_MCP_TOOLS} tools; the rest are skipped`, { agent })
      break
    }
    const schemas: CapabilitySchemas = {}
    if (tool.description) schemas.description = tool.description.slice(0, 1024)
    if (tool.inputSchema !== undefined) schemas.inputSchema = tool.inputSchema
    if (tool.outputSchema !== undefined && resultSchema !== undefined)
      schemas.outputSchema = resultSchema(tool.outputSchema)
    out.set(capability, { tool: name, capability, ...(Object.keys(schemas).length > 0 ? { schemas } : {}) })
  }
  return out
}
