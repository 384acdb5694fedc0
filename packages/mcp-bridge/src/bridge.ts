import type { ApiEvent, MeshClient, TaskResult } from '@mesh-node/client'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema
} from '@modelcontextprotocol/sdk/types.js'
import { COORDINATION_TOOLS, runCoordination } from './coordination-tools.js'
import { followEvents } from './event-follower.js'
import type { McpBridge, McpBridgeInit } from './index.js'
import { jsonResult, type MeshTool, meshTools, toolOf, toolResultOf } from './mesh-tools.js'
import { ProgressNotes } from './progress-notes.js'
import { taskWaiter } from './task-waiter.js'

const REFRESH_DEBOUNCE_MS = 100
const DEFAULT_REFRESH_MS = 5000
const DEFAULT_MAX_CALLS = 64
const STATUS_STEPS: Record<string, number> = { pending: 0, queued: 0, assigned: 1, running: 2 }

export class MeshMcpBridge implements McpBridge {
  readonly server: Server
  private tools = new Map<string, MeshTool>()
  private signature = ''
  private readonly stop = new AbortController()
  private readonly waiter
  private refreshTimer: NodeJS.Timeout | undefined
  private pollTimer: NodeJS.Timeout | undefined
  private following: Promise<void> | undefined
  private connected = false

  constructor(
    private readonly client: MeshClient,
    private readonly init: McpBridgeInit
  ) {
    this.waiter = taskWaiter(client)
    this.server = new Server(
      { name: 'mesh-node', version: '0.1.0' },
      {
        capabilities: { tools: { listChanged: true } },
        instructions:
          'Every tool except mesh_vote, mesh_auction and mesh_solve runs a task on a capability of the mesh; the tool arguments are the task input.'
      }
    )
    this.server.setRequestHandler(ListToolsRequestSchema, async () => {
      await this.refresh()
      return { tools: [...COORDINATION_TOOLS, ...[...this.tools.values()].map(toolOf)] }
    })
    this.server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
      const args = req.params.arguments ?? {}
      const token = extra._meta?.progressToken
      const notes =
        token === undefined ? undefined : new ProgressNotes(token, (note) => extra.sendNotification(note))
      const progress = (status: string) => {
        if (STATUS_STEPS[status] !== undefined) notes?.status(status)
      }
      return await this.call(req.params.name, args, extra.signal, progress, notes)
    })
  }

  async start(transport: Transport): Promise<void> {
    await this.refresh().catch(() => {})
    await this.server.connect(transport)
    this.connected = true
    this.following = followEvents(
      this.client,
      this.stop.signal,
      (event) => this.onEvent(event),
      () => this.scheduleRefresh()
    )
    this.pollTimer = setInterval(() => this.scheduleRefresh(), this.init.refreshMs ?? DEFAULT_REFRESH_MS)
    this.pollTimer.unref()
  }

  async close(): Promise<void> {
    this.stop.abort(new Error('the bridge is closing'))
    clearTimeout(this.refreshTimer)
    clearInterval(this.pollTimer)
    this.connected = false
    await this.server.close()
    await this.following
  }

  private onEvent(event: ApiEvent): void {
    if (event.type === 'task' && typeof event['taskId'] === 'string') {
      this.waiter.wake(event['taskId'], String(event['status']))
    } else {
      this.scheduleRefresh()
    }
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer !== undefined || this.stop.signal.aborted) return
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined
      this.refresh().catch(() => {})
    }, REFRESH_DEBOUNCE_MS)
  }

  /** Re-reads the mesh's agents; a changed set of tool names is announced with `tools/list_changed`. */
  private async refresh(): Promise<void> {
    this.tools = meshTools(await this.client.agents())
    const signature = [...this.tools.keys()].join('\n')
    if (signature === this.signature) return
    this.signature = signature
    if (this.connected) await this.server.sendToolListChanged().catch(() => {})
  }

  private async call(
    name: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
    progress: (status: string) => void,
    notes?: ProgressNotes
  ): Promise<CallToolResult> {
    try {
      if (COORDINATION_TOOLS.some((t) => t.name === name)) {
        return jsonResult(await runCoordination(this.client, name, args, signal))
      }
      if (!this.tools.has(name)) await this.refresh()
      const tool = this.tools.get(name)
      if (tool === undefined) return failure(`no capability in the mesh is offered as tool "${name}" (now)`)
      if (this.waiter.size >= (this.init.maxConcurrentCalls ?? DEFAULT_MAX_CALLS)) {
        return failure(`too many mesh tasks in flight through this bridge; retry when one finishes`)
      }
      const submit = { capability: tool.capability, input: args, ...this.taskOptions() }
      const { taskId } = await this.client.submitNoWait(submit)
      progress('pending')
      const streaming = new AbortController()
      const following = notes?.follow(this.client, taskId, AbortSignal.any([signal, streaming.signal]))
      try {
        const task = await this.waiter.wait(taskId, signal, progress, 'pending')
        return toolResultOf(task as unknown as TaskResult)
      } finally {
        // The stream ends with the result by itself, after the last pieces; past a second it is cut.
        let timer: NodeJS.Timeout | undefined
        await Promise.race([following, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))])
        clearTimeout(timer)
        streaming.abort()
        await following
        await notes?.settled()
      }
    } catch (err) {
      if (signal.aborted) throw err
      return failure(err instanceof Error ? err.message : String(err))
    }
  }

  private taskOptions(): { timeoutMs?: number } {
    return this.init.taskTimeoutMs !== undefined ? { timeoutMs: this.init.taskTimeoutMs } : {}
  }
}

function failure(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] }
}
