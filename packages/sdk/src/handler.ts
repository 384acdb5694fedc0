import type { HandlerRequest } from './requests.js'

export interface HandlerContext {
  /** Aborted when the requester gives up, the deadline passes or the node shuts down: stop work promptly. */
  signal: AbortSignal
  /** Name of the local agent this call is for. */
  agent: string
  log: (msg: string, fields?: Record<string, unknown>) => void
  /**
   * Streams a piece of a running task to its origin: `progress` (e.g.
   * `{ progress: 0.4, message: "parsing" }`) or `partial` output (e.g.
   * `{ text: "Hel" }`). Best effort: pieces over the mesh's rate or size
   * limits are dropped, and outside a task it does nothing. The return
   * value is still the result.
   */
  emit: (kind: 'progress' | 'partial', data: unknown) => void
}

/**
 * Answers one request. Return any JSON value (a task result, or the answer
 * type matching the request); throw to report failure. A module handler may
 * also stream: return an async iterator (an `async function*`) whose yields
 * are pieces and whose `return` value is the result (packages/agents README).
 */
export type AgentHandler = (request: HandlerRequest, ctx: HandlerContext) => unknown | Promise<unknown>

/** Identity function that gives a handler module its types without annotations. */
export function defineHandler(h: AgentHandler): AgentHandler {
  return h
}
