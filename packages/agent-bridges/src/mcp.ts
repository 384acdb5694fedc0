import type { McpHandlerSpec, RuntimeLog } from '@mesh-node/handlers'
import { HandlerError, isPlainObject, MAX_TIMEOUT_MS, unsupportedRequest } from '@mesh-node/handlers'
import type { AgentHandler } from '@mesh-node/sdk'
import { McpConnection } from './mcp-connection.js'

const ERROR_TEXT = 500

export interface McpAgent {
  handler: AgentHandler
  connection: McpConnection
}

/**
 * Connects to the agent's MCP server and returns a handler that calls the
 * tool behind a task's capability. The task input is the tool's arguments;
 * the result is the tool's result (`content`, and `structuredContent` when
 * the tool gives one). Aborting the call (cancel, deadline, timeout) sends
 * MCP's `notifications/cancelled` for the request.
 */
export async function mcpAgent(spec: McpHandlerSpec, agent: string, log: RuntimeLog): Promise<McpAgent> {
  const connection = new McpConnection(spec, agent, log)
  await connection.start()
  const handler: AgentHandler = async (request, ctx) => {
    if (request.type === 'bid_request') return {}
    if (request.type !== 'task_request') throw unsupportedRequest(request)
    const tool = connection.entry(request.capability)
    if (tool === undefined) {
      throw new HandlerError(
        'handler_unsupported',
        `the MCP server offers no tool for capability ${JSON.stringify(request.capability)} (now)`
      )
    }
    const input = request.input ?? {}
    if (!isPlainObject(input)) {
      throw new HandlerError(
        'handler_failed',
        `input must be a JSON object of the arguments of tool "${tool.tool}"`
      )
    }
    // The scope's signal carries the deadline and timeoutMs; the SDK's own 60 s default must not cut in first.
    // The tool's progress notifications are the task's progress pieces.
    const result = await connection.connected().callTool({ name: tool.tool, arguments: input }, undefined, {
      signal: ctx.signal,
      timeout: MAX_TIMEOUT_MS,
      onprogress: (p) =>
        ctx.emit('progress', {
          progress: p.progress,
          ...(p.total !== undefined ? { total: p.total } : {}),
          ...(p.message !== undefined ? { message: p.message } : {})
        })
    })
    if (result.isError === true) {
      throw new HandlerError('handler_failed', `tool "${tool.tool}" failed: ${contentText(result.content)}`)
    }
    const out: Record<string, unknown> = { content: result.content ?? [] }
    if (result.structuredContent !== undefined) out['structuredContent'] = result.structuredContent
    return out
  }
  return { handler, connection }
}

function contentText(content: unknown): string {
  if (!Array.isArray(content)) return '(no content)'
  const text = content
    .map((c) => (isPlainObject(c) && typeof c['text'] === 'string' ? c['text'] : ''))
    .filter((t) => t !== '')
    .join(' ')
  return text.length > ERROR_TEXT ? `${text.slice(0, ERROR_TEXT)}...` : text || '(no text)'
}
