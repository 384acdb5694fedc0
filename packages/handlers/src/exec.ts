import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { resolve } from 'node:path'
import type { AgentHandler, HandlerContext, HandlerRequest } from '@mesh-node/sdk'
import { errorMessage, HandlerError } from './errors.js'
import { ExecRun } from './exec-run.js'
import type { ProcessGuard } from './process-guard.js'
import type { ExecHandlerSpec } from './spec.js'

/**
 * Runs one process per request: request JSON + newline on stdin, one JSON
 * value on stdout. Timeouts and aborts arrive through ctx.signal (see
 * packages/agents/src/scope.ts).
 */
export function execHandler(
  spec: ExecHandlerSpec,
  baseDir: string,
  env: () => Record<string, string> = () => ({}),
  guard?: ProcessGuard
): AgentHandler {
  const cwd = spec.cwd === undefined ? baseDir : resolve(baseDir, spec.cwd)
  return (request, ctx) => runOnce(spec, cwd, request, ctx, env(), guard)
}

/** Spawns the command in its own process group and lets an {@link ExecRun} see it through. */
function runOnce(
  spec: ExecHandlerSpec,
  cwd: string,
  request: HandlerRequest,
  ctx: HandlerContext,
  meshEnv: Record<string, string>,
  guard: ProcessGuard | undefined
): Promise<unknown> {
  const [file, ...args] = spec.command as [string, ...string[]]
  const name = JSON.stringify(file)
  if (ctx.signal.aborted) return Promise.reject(ctx.signal.reason)
  return new Promise<unknown>((resolvePromise, reject) => {
    let child: ChildProcessWithoutNullStreams
    try {
      child = spawn(file, args, {
        cwd,
        env: { ...process.env, MESH_AGENT: ctx.agent, ...attemptEnv(request), ...meshEnv, ...spec.env },
        shell: false,
        // Own process group, so one kill reaches everything the handler started.
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe']
      })
    } catch (err) {
      reject(
        new HandlerError('handler_failed', `could not start ${name}: ${errorMessage(err)}`, { cause: err })
      )
      return
    }
    new ExecRun({ child, name, cwd, request, ctx, resolve: resolvePromise, reject }).start(guard)
  })
}

/** MESH_ATTEMPT: which run of the task this is on this node (above 1 after a crash cut one short). */
function attemptEnv(request: HandlerRequest): Record<string, string> {
  return request.type === 'task_request' ? { MESH_ATTEMPT: String(request.attempt ?? 1) } : {}
}
