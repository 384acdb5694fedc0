/**
 * An error the daemon can explain to a user: the message says what is wrong
 * and what to do, so the CLI prints it without a stack trace.
 */
export class DaemonError extends Error {
  override name = 'DaemonError'
  constructor(
    message: string,
    readonly code: string
  ) {
    super(message)
  }
}
