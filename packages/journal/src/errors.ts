/**
 * Thrown for operations the journal refuses. `code` is stable and meant for
 * programs: `duplicate_task`, `duplicate_key`, `unknown_task`, `unknown_attempt`,
 * `invalid_argument`, `unsupported_schema`.
 */
export class JournalError extends Error {
  readonly code: string

  constructor(code: string, message: string) {
    super(message)
    this.name = 'JournalError'
    this.code = code
  }
}
