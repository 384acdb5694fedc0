import { createHash, randomBytes } from 'node:crypto'
import { type HopSpan, MAX_TASK_TIMEOUT_MS, MAX_TRACE_SPANS, TRACEPARENT_PATTERN } from '@mesh-node/protocol'

/**
 * W3C trace context for tasks. Every hop keeps the trace id and makes its
 * own span id; the span id it sends on is the parent of the next hop's.
 */
export interface TraceContext {
  traceId: string
  /** This hop's span. */
  spanId: string
}

export const newSpanId = (): string => randomBytes(8).toString('hex')

/**
 * The trace a task starts or continues. A valid `traceparent` keeps its
 * trace id; otherwise a task id that is a UUID gives the trace id (its 32
 * hex digits), so a task's trace is found from its id alone; any other id
 * hashes to one.
 */
export function traceFor(taskId: string, traceparent?: string): TraceContext {
  const parsed = traceparent != null ? parseTraceparent(traceparent) : undefined
  const fromTask = taskId.replace(/-/g, '').toLowerCase()
  // Any other task id hashes to one, so every hop and every attempt agree without being told.
  const traceId =
    parsed?.traceId ??
    (/^[0-9a-f]{32}$/.test(fromTask) && !/^0+$/.test(fromTask)
      ? fromTask
      : createHash('sha256').update(taskId).digest('hex').slice(0, 32))
  return { traceId, spanId: newSpanId() }
}

/** Parses a version-00 traceparent; all-zero ids are invalid, as the W3C spec says. */
export function parseTraceparent(value: string): { traceId: string; parentId: string } | undefined {
  if (!TRACEPARENT_PATTERN.test(value)) return undefined
  const [, traceId, parentId] = value.split('-')
  if (traceId == null || parentId == null || /^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined
  return { traceId, parentId }
}

export const formatTraceparent = (trace: TraceContext): string => `00-${trace.traceId}-${trace.spanId}-01`

/** Time accounting of one hop: what ran here and what waited on the next hop. */
export interface HopTiming {
  /** Epoch ms, for display. */
  startedAt: number
  /** performance.now() at the start: durations use the monotonic clock. */
  t0: number
  executedMs: number
  forwardedMs: number
}

export const startTiming = (): HopTiming => ({
  startedAt: Date.now(),
  t0: performance.now(),
  executedMs: 0,
  forwardedMs: 0
})

/** Microsecond precision: a hop's time nests inside its sender's forwarding time, and adds up. */
const ms = (n: number): number => Math.min(MAX_TASK_TIMEOUT_MS, Math.max(0, Math.round(n * 1000) / 1000))

/** This hop's span, put in front of the spans the next hops sent back (bounded). */
export function withHopSpan(
  spans: HopSpan[] | undefined,
  hop: { peerId: string; trace: TraceContext; timing: HopTiming; executed: boolean }
): HopSpan[] {
  const { timing } = hop
  const total = performance.now() - timing.t0
  const own: HopSpan = {
    peerId: hop.peerId,
    spanId: hop.trace.spanId,
    role: hop.executed ? 'executor' : 'forwarder',
    receivedAt: timing.startedAt,
    queuedMs: ms(total - timing.executedMs - timing.forwardedMs),
    executedMs: ms(timing.executedMs),
    forwardedMs: ms(timing.forwardedMs)
  }
  // Only the spans of the hops after this one, so a peer cannot pad the list past the bound.
  return [own, ...(hop.executed ? [] : (spans ?? []))].slice(0, MAX_TRACE_SPANS)
}
