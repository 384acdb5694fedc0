/** A bad setting or an unusable listener for the A2A server; `code` says which. */
export class A2aServerError extends Error {
  constructor(
    message: string,
    readonly code: 'a2a_not_loopback' | 'a2a_address_in_use' | 'a2a_failed' | 'a2a_bad_key'
  ) {
    super(message)
    this.name = 'A2aServerError'
  }
}
