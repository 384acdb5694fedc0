import type { AgentInfo, TaskResult } from '@mesh-node/client'
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js'

/** At most this many capabilities are listed as tools, so a huge mesh cannot flood a client. */
export const MAX_MESH_TOOLS = 512

/** Names the coordination tools take; a capability that would map onto one is not listed. */
export const RESERVED = new Set(['mesh_vote', 'mesh_auction', 'mesh_solve'])

/** One capability of the mesh, offered as a tool. */
export interface MeshTool {
  name: string
  capability: string
  agents: number
  peers: number
  /** What the capability declares, from the first agent that declares anything. */
  description?: string
  inputSchema?: Record<string, unknown>
}

/**
 * MCP tool names are `[A-Za-z0-9_.-]`; capabilities may also hold `:` and
 * `/`, which become `_`. Two capabilities that collide this way keep the
 * first (sorted), and the other is reachable through `mesh_auction`.
 */
export function toolNameOf(capability: string): string {
  return capability.replace(/[^A-Za-z0-9_.-]/g, '_')
}

export function meshTools(agents: AgentInfo[]): Map<string, MeshTool> {
  type Entry = { agents: number; peers: Set<string>; declared?: NonNullable<AgentInfo['schemas']>[string] }
  const byCap = new Map<string, Entry>()
  for (const a of agents) {
    for (const cap of a.capabilities) {
      const entry: Entry = byCap.get(cap) ?? { agents: 0, peers: new Set<string>() }
      entry.agents++
      entry.peers.add(a.peerId)
      entry.declared ??= a.schemas?.[cap]
      byCap.set(cap, entry)
    }
  }
  const out = new Map<string, MeshTool>()
  for (const capability of [...byCap.keys()].sort()) {
    const name = toolNameOf(capability)
    if (RESERVED.has(name) || out.has(name)) continue
    if (out.size >= MAX_MESH_TOOLS) break
    const entry = byCap.get(capability) as Entry
    const tool: MeshTool = { name, capability, agents: entry.agents, peers: entry.peers.size }
    const input = entry.declared?.inputSchema
    // MCP tool arguments are always an object: only an object schema can be the tool's.
    if (typeof input === 'object' && input !== null && (input as { type?: unknown }).type === 'object')
      tool.inputSchema = input as Record<string, unknown>
    if (entry.declared?.description !== undefined) tool.description = entry.declared.description
    out.set(name, tool)
  }
  return out
}

export function toolOf(t: MeshTool): Tool {
  return {
    name: t.name,
    description: `${t.description !== undefined ? `${t.description}. ` : ''}Runs a task on the mesh capability "${t.capability}" (${t.agents} agent(s) on ${t.peers} peer(s)); the arguments are the task input.`,
    inputSchema: (t.inputSchema ?? { type: 'object', additionalProperties: true }) as Tool['inputSchema'],
    annotations: { title: t.capability, openWorldHint: true }
  }
}

/**
 * A task's answer as a tool result. An answer that already is an MCP tool
 * result (a capability served by an `mcp` agent) passes through unchanged;
 * anything else becomes JSON text, plus `structuredContent` for objects.
 */
export function toolResultOf(task: TaskResult): CallToolResult {
  if (task.status !== 'completed') {
    const why = task.error ? `${task.error.code}: ${task.error.message}` : task.status
    return {
      isError: true,
      content: [{ type: 'text', text: `mesh task ${task.taskId} ${task.status}: ${why}` }]
    }
  }
  return jsonResult(task.result)
}

export function jsonResult(value: unknown): CallToolResult {
  if (isObject(value) && Array.isArray(value['content'])) {
    const out: CallToolResult = { content: value['content'] as CallToolResult['content'] }
    if (isObject(value['structuredContent'])) out.structuredContent = value['structuredContent']
    return out
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null)
  const out: CallToolResult = { content: [{ type: 'text', text }] }
  if (isObject(value)) out.structuredContent = value
  return out
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
