import type { HandlerContext, TaskRequest } from '@mesh-node/sdk'
import { type BuiltinName, type BuiltinOptions, SLOW_MAX_MS } from './builtin-options.js'
import { HandlerError } from './errors.js'
import { textStats } from './text-stats.js'
import { isPlainObject } from './validate.js'

type TaskFn = (request: TaskRequest, options: BuiltinOptions, ctx: HandlerContext) => unknown

/** What each builtin does with a task_request. */
export const BUILTIN_TASKS: Record<BuiltinName, TaskFn> = {
  echo: (request) => request.input,

  'text.stats': (request) => textStats(textOf(request.input, 'text.stats')),

  upper: (request) => textOf(request.input, 'upper').toUpperCase(),

  fail: (request, options) => {
    const input = request.input
    const message =
      isPlainObject(input) && typeof input['message'] === 'string' ? input['message'] : undefined
    throw new HandlerError('handler_failed', message ?? options.message ?? 'the fail builtin always fails')
  },

  slow: async (request, options, ctx) => {
    const input = request.input
    const asked = isPlainObject(input) && typeof input['ms'] === 'number' ? input['ms'] : (options.ms ?? 1000)
    const ms = Math.min(Math.max(0, asked), SLOW_MAX_MS)
    await sleep(ms, ctx.signal)
    return { slept: ms, input }
  }
}

function textOf(input: unknown, builtin: string): string {
  if (typeof input === 'string') return input
  if (isPlainObject(input) && typeof input['text'] === 'string') return input['text']
  throw new HandlerError(
    'handler_failed',
    `the ${builtin} builtin needs a string input or { "text": string }`
  )
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
