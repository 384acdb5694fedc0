/** Most forwards per task by default (never more than the protocol's MAX_HOPS). */
export const DEFAULT_MAX_HOPS = 3
/** Retries of one peer after a transport error. */
export const DEFAULT_TRANSPORT_RETRIES = 2
/** Answers (or work in progress) remembered in memory, so a repeated task id never runs twice. */
export const DEFAULT_EXECUTED_CACHE_SIZE = 10_000
/**
 * The error code of a task whose run here a crash cut short, answered instead
 * of a second run when the task's retry policy is 'never' (the journal marks
 * such runs with the same code at start).
 */
export const INTERRUPTED = 'interrupted'
/** The error code of a task failed by a cancel (PROTOCOL §6.7); of an abandoned attempt too, further on. */
export const CANCELLED = 'cancelled'
