import type { Tool } from '@modelcontextprotocol/sdk/types.js'
import { MAX_MCP_TOOLS } from '../parse-mcp-spec.js'
import type { RuntimeLog } from '../runtime-types.js'
import type { McpHandlerSpec } from '../spec.js'
import { CAPABILITY } from '../validate.js'

/** One MCP tool offered as a capability. */
export interface McpTool {
  tool: string
  capability: string
  description?: string
  inputSchema?: unknown
  outputSchema?: unknown
}

/**
 * Maps the server's tool list onto capabilities: the configured subset under
 * its configured names, or every tool as `prefix` + its name. Tools that
 * cannot be capability names are skipped with a warning rather than failing
 * the agent, since the server, not the config, chose them.
 */
export function toolsToCapabilities(
  spec: McpHandlerSpec,
  tools: Tool[],
  agent: string,
  log: RuntimeLog
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
    const entry: McpTool = { tool: name, capability, inputSchema: tool.inputSchema }
    if (tool.description !== undefined) entry.description = tool.description
    if (tool.outputSchema !== undefined) entry.outputSchema = tool.outputSchema
    out.set(capability, entry)
  }
  return out
}
