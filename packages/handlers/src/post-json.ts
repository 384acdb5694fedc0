import { errorMessage, HandlerError } from './errors.js'

const BODY_LIMIT = 16 * 1024 * 1024

export interface PostResult {
  status: number
  ok: boolean
  text: string
  /** The response's media type, lower case, without parameters (`application/json`). */
  type: string
}

/**
 * POSTs JSON and reads the whole reply as text, bounded in size. Network
 * errors become handler_failed; an abort rethrows the signal's reason (a
 * handler_timeout HandlerError when the deadline fired).
 */
export async function postJson(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  signal: AbortSignal,
  /** Told of the body as it arrives, given its media type (a streamed reply is read live). */
  onText?: (text: string, type: string) => void
): Promise<PostResult> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal
    })
    const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
    const text = await readText(response, url, response.ok ? (t) => onText?.(t, type) : undefined)
    return { status: response.status, ok: response.ok, text, type }
  } catch (err) {
    if (signal.aborted) throw signal.reason
    if (err instanceof HandlerError) throw err
    // undici hides the useful part ("connect ECONNREFUSED ...") in `cause`.
    const cause = err instanceof Error && err.cause !== undefined ? `: ${errorMessage(err.cause)}` : ''
    throw new HandlerError('handler_failed', `POST ${url} failed: ${errorMessage(err)}${cause}`, {
      cause: err
    })
  }
}

async function readText(
  response: Response,
  url: string,
  onText: ((text: string) => void) | undefined
): Promise<string> {
  if (response.body === null) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > BODY_LIMIT) {
      await reader.cancel()
      throw new HandlerError('handler_invalid_output', `the response from ${url} is larger than 16 MiB`)
    }
    chunks.push(value)
    onText?.(decoder.decode(value, { stream: true }))
  }
  return Buffer.concat(chunks).toString('utf8')
}

export function snippet(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text
}
