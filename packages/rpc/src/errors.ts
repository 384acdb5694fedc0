/**
 * The network failed us (dial, stream reset, timeout), as opposed to a
 * handler failing. Only these are retried: a handler's error is an answer.
 */
export class TransportError extends Error {
  override name = 'TransportError'
  constructor(
    message: string,
    readonly code: 'dial_failed' | 'stream_closed' | 'timeout' | 'protocol_error' = 'stream_closed'
  ) {
    super(message)
  }
}

/** The remote peer answered with a protocol-level `error` message. */
export class RemoteProtocolError extends Error {
  override name = 'RemoteProtocolError'
  constructor(
    message: string,
    readonly code: string
  ) {
    super(message)
  }
}

/** A second handler for one message type: each type has exactly one owner. */
export class DuplicateHandlerError extends Error {
  override name = 'DuplicateHandlerError'
  readonly code = 'duplicate_handler'
}
