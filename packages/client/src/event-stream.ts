import type { ApiEvent } from '@mesh-node/api'
import { MeshClientError } from './errors.js'
import { sseEvents } from './topics.js'
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
  try {
    for await (const event of sseEvents(res.body)) yield JSON.parse(event.data) as ApiEvent
  } catch (err) {
    if (options.signal?.aborted === true) return
    throw err
  }
}
