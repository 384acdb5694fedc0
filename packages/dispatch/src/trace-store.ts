import type { HopSpan } from '@mesh-node/protocol'

/** What `task ID --trace` shows: the trace id, and each hop's own account of its time. */
export interface TaskTrace {
  traceId: string
  /** The caller's traceparent, continued by every attempt. */
  traceparent?: string
  /** Origin first, in path order; other peers' timings are their word, shown only. */
  spans: HopSpan[]
}

/**
 * Traces of this node's own tasks, in memory and bounded by count (each
 * entry is bounded by MAX_TRACE_SPANS spans). The dispatcher journals a
 * finished task's trace with its outcome; `persisted` reads it back, so the
 * trace of a task finished before a restart is still there.
 */
export interface TraceStore {
  /** Remembers the caller's traceparent for a task's attempts. */
  begin(taskId: string, traceparent: string | undefined): void
  traceparent(taskId: string): string | undefined
  record(taskId: string, trace: { traceId: string; spans: HopSpan[] } | undefined): void
  get(taskId: string): TaskTrace | undefined
}

export interface TraceStoreInit {
  /** @default 10000 traces in memory */
  max?: number
  /** The journaled trace of a task no longer in memory (after a restart). */
  persisted?: (taskId: string) => unknown
}

export function createTraceStore(init: TraceStoreInit = {}): TraceStore {
  const max = init.max ?? 10_000
  const traces = new Map<string, Partial<TaskTrace>>()
  const put = (taskId: string, entry: Partial<TaskTrace>): void => {
    traces.delete(taskId)
    traces.set(taskId, entry)
    if (traces.size > max) traces.delete(traces.keys().next().value as string)
  }
  return {
    begin: (taskId, traceparent) => {
      if (traceparent != null) put(taskId, { traceparent })
    },
    traceparent: (taskId) => traces.get(taskId)?.traceparent,
    record: (taskId, trace) => {
      if (trace != null) put(taskId, { ...traces.get(taskId), ...trace })
    },
    get: (taskId) => {
      const t = traces.get(taskId)
      if (t?.traceId != null) return { traceId: t.traceId, traceparent: t.traceparent, spans: t.spans ?? [] }
      return asTrace(init.persisted?.(taskId))
    }
  }
}

/** The journal holds what this build wrote, but a file may outlive a build: check the shape. */
function asTrace(value: unknown): TaskTrace | undefined {
  if (value == null || typeof value !== 'object') return undefined
  const t = value as Partial<TaskTrace>
  if (typeof t.traceId !== 'string' || !Array.isArray(t.spans)) return undefined
  return {
    traceId: t.traceId,
    traceparent: typeof t.traceparent === 'string' ? t.traceparent : undefined,
    spans: t.spans
  }
}
