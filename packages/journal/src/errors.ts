/**
 * Thrown for operations the journal refuses. `code` is stable and meant for
 * programs: `duplicate_task`, `duplicate_key`, `unknown_task`, `unknown_attempt`,
 * `invalid_argument`, `unsupported_schema`, and `internal` for a journal bug.
 */
export class JournalError extends Error {
  readonly code: string

  constructor(code: string, message: string) {
    super(message)
    this.name = 'JournalError'
    this.code = code
  }
}

/** A row the same transaction just wrote or found; its absence is a bug in the journal, not bad input. */
export function written<T>(row: T | undefined, what: string): T {
  if (row === undefined) throw new JournalError('internal', `${what} vanished inside its own transaction`)
  return row
}
