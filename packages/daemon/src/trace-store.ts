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
 * entry is bounded by MAX_TRACE_SPANS spans). A trace is for looking at a
 * recent task, so losing it on restart costs nothing the journal needs.
 */
export interface TraceStore {
  /** Remembers the caller's traceparent for a task's attempts. */
  begin(taskId: string, traceparent: string | undefined): void
  traceparent(taskId: string): string | undefined
  record(taskId: string, trace: { traceId: string; spans: HopSpan[] } | undefined): void
  get(taskId: string): TaskTrace | undefined
}

export function createTraceStore(max = 10_000): TraceStore {
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
      return t?.traceId != null
        ? { traceId: t.traceId, traceparent: t.traceparent, spans: t.spans ?? [] }
        : undefined
    }
  }
}
