import type { ApiEvent } from '@mesh-node/api'
import { MeshClientError } from './errors.js'
import { causeOf } from './transport.js'

/** The daemon's server-sent events (GET /v1/events) as they come, until the signal aborts or the daemon goes away. */
export async function* streamEvents(
  base: string,
  token: string,
  options: { types?: string[]; signal?: AbortSignal }
): AsyncGenerator<ApiEvent> {
  const query = options.types != null ? `?types=${options.types.join(',')}` : ''
  let res: Response
  try {
    res = await fetch(`${base}/v1/events${query}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: options.signal
    })
  } catch (err) {
    if (options.signal?.aborted === true) return
    throw new MeshClientError(
      `the mesh-node daemon at ${base} does not answer (${causeOf(err)})`,
      'daemon_not_running'
    )
  }
  if (!res.ok || res.body == null)
    throw new MeshClientError(`event stream refused: HTTP ${res.status}`, 'http_error', res.status)
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true })
      let end = buffer.indexOf('\n\n')
      while (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const data = block.split('\n').find((l) => l.startsWith('data: '))
        if (data != null) yield JSON.parse(data.slice(6)) as ApiEvent
        end = buffer.indexOf('\n\n')
      }
    }
  } catch (err) {
    if (options.signal?.aborted === true) return
    throw err
  }
}
