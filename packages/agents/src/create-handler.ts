import { a2aAgent, mcpAgent, openAiHandler } from '@mesh-node/agent-bridges'
import type { HandlerSpec, LiveAgent, ProcessGuard } from '@mesh-node/handlers'
import { builtinHandler, execHandler, HandlerError, httpHandler, moduleHandler } from '@mesh-node/handlers'
import type { AgentHandler } from '@mesh-node/sdk'
import type { RuntimeLog } from './runtime-types.js'
import { openScope } from './scope.js'

export interface CreateHandlerOptions {
  /** Directory that a relative exec `cwd` or module `path` is resolved against. */
  baseDir: string
  /** Records exec process groups so none outlives the daemon. */
  processGuard?: ProcessGuard
  /** Extra environment for exec handlers, read at each spawn (the API address and a scoped token). */
  env?: () => Record<string, string>
}

/**
 * Builds the handler for one agent. The returned function enforces the
 * request deadline, the spec's `timeoutMs` and `ctx.signal`, whatever the
 * handler kind, and reports failures as {@link HandlerError}s.
 */
export async function createHandler(spec: HandlerSpec, options: CreateHandlerOptions): Promise<AgentHandler> {
  switch (spec.kind) {
    case 'builtin':
      return guard(builtinHandler(spec), undefined, true)
    case 'exec':
      return guard(
        execHandler(spec, options.baseDir, options.env, options.processGuard),
        spec.timeoutMs,
        false
      )
    case 'http':
      return guard(httpHandler(spec), spec.timeoutMs, false)
    case 'module':
      return guard(await moduleHandler(spec, options.baseDir), undefined, true)
    case 'openai':
      return guard(openAiHandler(spec), spec.timeoutMs, false)
    case 'mcp':
    case 'a2a':
      throw new HandlerError('handler_unsupported', `an ${spec.kind} handler is built with createLiveHandler`)
    default:
      throw new HandlerError(
        'handler_unsupported',
        `unknown handler kind ${JSON.stringify((spec as { kind?: unknown }).kind)}; known kinds: builtin, exec, http, module, openai, mcp, a2a`
      )
  }
}

export interface LiveHandler {
  handler: AgentHandler
  /** Present for kinds whose capabilities come from a connected service. */
  live?: LiveAgent
}

/**
 * {@link createHandler} for every kind, including those that hold a
 * connection (mcp): these connect now and return the connection as `live`,
 * which the caller must close.
 */
export async function createLiveHandler(
  spec: HandlerSpec,
  options: CreateHandlerOptions & { agent: string; log: RuntimeLog }
): Promise<LiveHandler> {
  if (spec.kind === 'a2a') {
    const { handler, connection } = await a2aAgent(spec, options.agent, options.log)
    return { handler: guard(handler, spec.timeoutMs, false), live: connection }
  }
  if (spec.kind !== 'mcp') return { handler: await createHandler(spec, options) }
  // The MCP SDK is loaded only by daemons that have an mcp agent (agent-bridges loads it on first call).
  const { handler, connection } = await mcpAgent(spec, options.agent, options.log)
  return { handler: guard(handler, spec.timeoutMs, false), live: connection }
}

/**
 * Runs `inner` under a scope that aborts at the deadline or timeout. With
 * `race`, the call also settles at that moment even if `inner` ignores the
 * signal (user modules might); the kinds that own processes or sockets
 * instead finish their own cleanup before settling.
 */
function guard(inner: AgentHandler, timeoutMs: number | undefined, race: boolean): AgentHandler {
  return async (request, ctx) => {
    const scope = openScope(ctx.signal, request.deadline, timeoutMs)
    try {
      if (scope.signal.aborted) throw scope.signal.reason
      const run = Promise.resolve().then(() => inner(request, { ...ctx, signal: scope.signal }))
      if (!race) return await run
      // The losing side of the race must not surface as an unhandled rejection.
      run.catch(() => {})
      return await Promise.race([run, scope.aborted])
    } finally {
      scope.dispose()
    }
  }
}
