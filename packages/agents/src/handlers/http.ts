import type { AgentHandler } from '@mesh-node/sdk'
import { HandlerError } from '../errors.js'
import type { HttpHandlerSpec } from '../spec.js'
import { postJson, snippet } from './post-json.js'

/** POSTs each request as JSON to a user's service; the JSON reply is the answer. */
export function httpHandler(spec: HttpHandlerSpec): AgentHandler {
  return async (request, ctx) => {
    const res = await postJson(spec.url, spec.headers ?? {}, request, ctx.signal)
    if (!res.ok) throw new HandlerError('handler_failed', `HTTP ${res.status}: ${snippet(res.text, 500)}`)
    // A message needs no answer: 204 or an empty body is fine.
    if (request.type === 'message' && res.text.trim() === '') return null
    try {
      return JSON.parse(res.text)
    } catch {
      throw new HandlerError(
        'handler_invalid_output',
        `HTTP ${res.status} from ${spec.url} is not JSON: ${snippet(res.text, 200) || '(empty body)'}`
      )
    }
  }
}
