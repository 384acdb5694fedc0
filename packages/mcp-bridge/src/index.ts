/**
 * @packageDocumentation
 *
 * An MCP server that offers the whole mesh to any MCP client (Claude, IDEs,
 * agent frameworks), talking to the local daemon through
 * `@mesh-node/client`:
 *
 * - every capability in the mesh is a tool (`:` and `/` in its name become
 *   `_`); calling it submits a mesh task with the arguments as input and
 *   answers with the task's result;
 * - the list follows agents joining and leaving (`tools/list_changed`);
 * - `mesh_vote`, `mesh_auction` and `mesh_solve` run the leaderless rounds;
 * - MCP cancellation cancels the mesh task, and the task's status changes
 *   (pending, assigned, running) are sent as progress notifications.
 *
 * @example
 * ```ts
 * import { connect } from '@mesh-node/client'
 * import { mcpBridge } from '@mesh-node/mcp-bridge'
 * import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
 *
 * const bridge = mcpBridge({})(await connect())
 * await bridge.start(new StdioServerTransport())
 * ```
 */
import type { MeshClient } from '@mesh-node/client'
import type { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { MeshMcpBridge } from './bridge.js'

export interface McpBridge {
  /** The underlying MCP server, for tests and embedding. */
  readonly server: Server
  /** Connects the server to `transport` and starts following the mesh. */
  start(transport: Transport): Promise<void>
  close(): Promise<void>
}

export interface McpBridgeInit {
  /** How often the tool list is re-read even without agent events. @default 5000 */
  refreshMs?: number
  /** Mesh tasks in flight through this bridge at once; more calls fail at once. @default 64 */
  maxConcurrentCalls?: number
  /** Timeout of each task; the daemon's default when omitted. */
  taskTimeoutMs?: number
}

export function mcpBridge(init: McpBridgeInit = {}): (client: MeshClient) => McpBridge {
  return (client) => new MeshMcpBridge(client, init)
}

export { MAX_MESH_TOOLS, toolNameOf } from './mesh-tools.js'

/**
 * Serves the mesh on this process's stdin/stdout until the client closes
 * stdin (what `mesh-node mcp` runs). Nothing else may write to stdout.
 */
export async function serveMcpStdio(client: MeshClient, init: McpBridgeInit = {}): Promise<void> {
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js')
  const bridge = mcpBridge(init)(client)
  const transport = new StdioServerTransport()
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve)
    process.stdin.once('close', resolve)
  })
  await bridge.start(transport)
  await closed
  await bridge.close()
}
