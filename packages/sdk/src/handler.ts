import type { HandlerRequest } from './requests.js'

export interface HandlerContext {
  /** Aborted when the requester gives up, the deadline passes or the node shuts down: stop work promptly. */
  signal: AbortSignal
  /** Name of the local agent this call is for. */
  agent: string
  log: (msg: string, fields?: Record<string, unknown>) => void
}

/**
 * Answers one request. Return any JSON value (a task result, or the answer
 * type matching the request); throw to report failure.
 */
export type AgentHandler = (request: HandlerRequest, ctx: HandlerContext) => unknown | Promise<unknown>

/** Identity function that gives a handler module its types without annotations. */
export function defineHandler(h: AgentHandler): AgentHandler {
  return h
}
