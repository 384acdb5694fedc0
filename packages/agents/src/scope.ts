import { HandlerError, MAX_TIMEOUT_MS } from '@mesh-node/handlers'

/** The lifetime of one handler call: aborted by the caller, the deadline or the handler's own timeout. */
export interface CallScope {
  signal: AbortSignal
  /** Rejects with the abort reason, to race against code that ignores the signal. */
  aborted: Promise<never>
  dispose(): void
}

/**
 * A timeout aborts with a `handler_timeout` HandlerError as the reason, the
 * caller's abort with the caller's reason, so handlers can simply rethrow
 * `signal.reason` and the right error comes out.
 */
export function openScope(parent: AbortSignal, deadline: number, timeoutMs: number | undefined): CallScope {
  const controller = new AbortController()
  let rejectAborted: (reason: unknown) => void = () => {}
  const aborted = new Promise<never>((_, reject) => {
    rejectAborted = reject
  })
  aborted.catch(() => {})
  const abort = (reason: unknown) => {
    if (controller.signal.aborted) return
    controller.abort(reason)
    rejectAborted(reason)
  }

  const onParentAbort = () => abort(parent.reason)
  if (parent.aborted) onParentAbort()
  else parent.addEventListener('abort', onParentAbort, { once: true })

  // A deadline of 0 (or garbage) means "none": the timeoutMs alone applies.
  const untilDeadline =
    Number.isFinite(deadline) && deadline > 0 ? deadline - Date.now() : Number.POSITIVE_INFINITY
  const limit = Math.min(timeoutMs ?? Number.POSITIVE_INFINITY, untilDeadline)
  // Built only when it fires: an error captures a stack, and most calls finish in time.
  const reason = () =>
    new HandlerError(
      'handler_timeout',
      limit === timeoutMs ? `timed out after ${timeoutMs} ms (timeoutMs)` : describeDeadline(untilDeadline)
    )
  let timer: NodeJS.Timeout | undefined
  if (limit <= 0) {
    abort(reason())
  } else if (limit <= MAX_TIMEOUT_MS) {
    timer = setTimeout(() => abort(reason()), limit)
  }
  // Beyond MAX_TIMEOUT_MS (~24.8 days) setTimeout would fire at once: treat as no limit.

  return {
    signal: controller.signal,
    aborted,
    dispose() {
      clearTimeout(timer)
      parent.removeEventListener('abort', onParentAbort)
    }
  }
}

function describeDeadline(ms: number): string {
  return ms <= 0
    ? 'the request deadline had already passed'
    : `did not finish before the request deadline (${Math.round(ms)} ms)`
}
