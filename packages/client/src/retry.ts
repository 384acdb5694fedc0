import { MeshClientError } from './errors.js'

/** What `onRetry` is told before each new try of a cut request. */
export interface RetryInfo {
  /** 1 for the first retry */
  attempt: number
  /** Why the last try failed: the daemon went away mid-request, or is not up (yet) */
  error: MeshClientError
  /** How long the client waits before the next try */
  delayMs: number
}

export interface RetryPolicy {
  /** How long, in all, a cut request is retried. 0 turns retrying off. */
  retryMs: number
  onRetry?: (info: RetryInfo) => void
  /** Called before every retry: re-reads where the daemon listens now. */
  refresh?: () => Promise<void>
}

/**
 * Error causes that mean the request was cut, or never reached a daemon:
 * it may or may not have been applied, so only requests safe to repeat
 * (reads, and submits carrying an Idempotency-Key) are retried.
 */
const CUT_CAUSES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTCONN',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'other side closed'
])

export function isCut(cause: string): boolean {
  return CUT_CAUSES.has(cause)
}

/** Runs `op`, trying again with backoff (0.2 s doubling to 2 s) while it fails with a cut, up to `retryMs`. */
export async function retryCut<T>(op: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  const until = Date.now() + policy.retryMs
  let delayMs = 200
  for (let attempt = 1; ; attempt++) {
    try {
      return await op()
    } catch (err) {
      if (!(err instanceof MeshClientError) || err.retryable !== true || Date.now() + delayMs > until)
        throw err
      policy.onRetry?.({ attempt, error: err, delayMs })
      await new Promise((resolve) => setTimeout(resolve, delayMs))
      delayMs = Math.min(delayMs * 2, 2000)
      await policy.refresh?.().catch(() => undefined)
    }
  }
}
