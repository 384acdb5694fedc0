import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { AgentHandler } from '@mesh-node/sdk'
import { errorMessage, HandlerError } from './errors.js'
import { drainToResult, isAsyncIterable } from './module-stream.js'
import type { ModuleHandlerSpec } from './spec.js'

/** Imports a JS module once and returns the handler function it exports. */
export async function moduleHandler(spec: ModuleHandlerSpec, baseDir: string): Promise<AgentHandler> {
  const path = resolve(baseDir, spec.path)
  let mod: Record<string, unknown>
  try {
    mod = await import(pathToFileURL(path).href)
  } catch (err) {
    throw new HandlerError('handler_failed', `could not load module ${path}: ${errorMessage(err)}`, {
      cause: err
    })
  }
  const name = spec.export ?? (typeof mod['default'] === 'function' ? 'default' : 'handler')
  const fn = mod[name]
  if (typeof fn !== 'function') {
    const wanted =
      spec.export === undefined
        ? 'a function as its default export or as "handler"'
        : `a function named "${name}"`
    throw new HandlerError(
      'handler_unsupported',
      `module ${path} must export ${wanted}; ${describeExports(mod)}`
    )
  }
  const onMessage = mod['onMessage']
  const handler = streaming(fn as AgentHandler)
  if (typeof onMessage !== 'function') return handler
  // Messages go to onMessage when the module has one; everything else to the handler.
  return (request, ctx) =>
    request.type === 'message' ? (onMessage as AgentHandler)(request, ctx) : handler(request, ctx)
}

/** A handler that returns an async iterator (an `async function*`, say) streams what it yields. */
function streaming(fn: AgentHandler): AgentHandler {
  return async (request, ctx) => {
    const answer = await fn(request, ctx)
    return isAsyncIterable(answer) ? await drainToResult(answer, ctx) : answer
  }
}

function describeExports(mod: Record<string, unknown>): string {
  const found = Object.keys(mod).map((k) => `${k} (${typeof mod[k]})`)
  return found.length === 0 ? 'it exports nothing' : `it exports: ${found.join(', ')}`
}
