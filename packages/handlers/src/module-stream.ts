import type { HandlerContext } from '@mesh-node/sdk'

/** What a handler may return to stream: an async generator, or any async iterable. */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    value != null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function'
  )
}

/**
 * Runs a streaming module handler to its result. Each value it yields is a
 * piece, sent on with `ctx.emit` at once:
 * - `{ type: 'progress', ...data }` and `{ type: 'partial', ...data }` as
 *   exec's piece lines (the other fields are the data);
 * - a string is partial text, `{ text }`;
 * - any other value is partial data as it is.
 * The result is the generator's `return` value. An iterable that cannot
 * return one (a stream, say) yields `{ type: 'result', result }` last; the
 * iteration stops there. On abort the iterator is closed (`return()`), so
 * a generator's `finally` runs.
 */
export async function drainToResult(iterable: AsyncIterable<unknown>, ctx: HandlerContext): Promise<unknown> {
  const iterator = iterable[Symbol.asyncIterator]()
  const stop = (): void => {
    // A generator suspended at a yield runs its finally blocks; an error there is its own.
    void iterator.return?.().catch(() => {})
  }
  ctx.signal.addEventListener('abort', stop, { once: true })
  try {
    for (;;) {
      const step = await iterator.next()
      if (step.done === true) return step.value
      if (ctx.signal.aborted) return undefined
      const piece = asPiece(step.value)
      if (piece.kind === 'result') {
        await iterator.return?.()
        return piece.data
      }
      ctx.emit(piece.kind, piece.data)
    }
  } finally {
    ctx.signal.removeEventListener('abort', stop)
  }
}

function asPiece(value: unknown): { kind: 'progress' | 'partial' | 'result'; data: unknown } {
  if (typeof value === 'string') return { kind: 'partial', data: { text: value } }
  if (value == null || typeof value !== 'object' || Array.isArray(value))
    return { kind: 'partial', data: value }
  const { type, ...rest } = value as { type?: unknown; result?: unknown }
  if (type === 'result') return { kind: 'result', data: rest.result }
  if (type === 'progress' || type === 'partial') return { kind: type, data: rest }
  return { kind: 'partial', data: value }
}
