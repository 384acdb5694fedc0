/** A problem in the `agents` section of the daemon config, pinned to one agent and field. */
export class AgentConfigError extends Error {
  override name = 'AgentConfigError'
  /** The agent's name, or `agents[i]` when it has no usable name. */
  readonly agent: string
  /** Dotted path of the offending field, e.g. `handler.command`. */
  readonly field: string

  constructor(agent: string, field: string, problem: string) {
    super(`agent ${agent.startsWith('agents[') ? agent : JSON.stringify(agent)}: ${field} ${problem}`)
    this.agent = agent
    this.field = field
  }
}

export type HandlerErrorCode =
  | 'handler_failed'
  | 'handler_timeout'
  | 'handler_invalid_output'
  /** The task input breaks the capability's inputSchema. */
  | 'invalid_input'
  /** The handler's result breaks the capability's outputSchema. */
  | 'invalid_output'
  | 'handler_unsupported'
  /** The agent's question pool and its queue are full. */
  | 'handler_busy'

/** Why a handler could not produce an answer; `code` travels to the requester unchanged. */
export class HandlerError extends Error {
  override name = 'HandlerError'
  readonly code: HandlerErrorCode

  constructor(code: HandlerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

export function unsupportedRequest(request: unknown): HandlerError {
  const type = (request as { type?: unknown } | null)?.type
  return new HandlerError('handler_unsupported', `unsupported request type ${JSON.stringify(type)}`)
}
