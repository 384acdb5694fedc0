import { errorMessage, HandlerError } from '@mesh-node/handlers'

/**
 * Returns `value` as it will look after crossing the wire, so local and remote
 * callers see the same result; `undefined` becomes null. Throws
 * handler_invalid_output for cycles, BigInts and functions.
 */
export function toJsonValue(value: unknown): unknown {
  if (value === undefined) return null
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (err) {
    throw new HandlerError(
      'handler_invalid_output',
      `the handler returned a value that is not JSON: ${errorMessage(err)}`
    )
  }
  if (text === undefined) {
    throw new HandlerError(
      'handler_invalid_output',
      `the handler returned a ${typeof value}, which is not JSON`
    )
  }
  return JSON.parse(text)
}
