/** A request body or query that breaks the contract; `message` says what to fix. The daemon answers 400. */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError'
  readonly code = 'bad_request'
}
