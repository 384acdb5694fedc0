/**
 * Every failure the client reports carries a stable `code`, so scripts can
 * branch on it: `daemon_not_running`, `unauthorized`, `bad_request`,
 * `not_found`, `timeout`, `network_error` or a code the daemon returned.
 */
export class MeshClientError extends Error {
  override name = 'MeshClientError'
  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
    /** The request was cut or never reached a daemon: safe to repeat if the request is. */
    readonly retryable?: boolean
  ) {
    super(message)
  }
}
