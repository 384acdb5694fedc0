/** An error that maps to an HTTP status and a `{"error","code"}` body. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
  }
}

export const badRequest = (message: string, code = 'bad_request'): ApiError =>
  new ApiError(400, code, message)
export const notFound = (message: string, code = 'not_found'): ApiError => new ApiError(404, code, message)
