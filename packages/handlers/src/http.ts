import type { AgentHandler } from '@mesh-node/sdk'
import { HandlerError } from './errors.js'
import { PieceLines } from './piece-lines.js'
import { postJson, snippet } from './post-json.js'
import type { HttpHandlerSpec } from './spec.js'
import { SseParser } from './sse.js'

/**
 * POSTs each request as JSON to a user's service; the JSON reply is the
 * answer. A reply may also stream: `application/x-ndjson` (piece lines as
 * exec's, then the answer) or `text/event-stream` (`progress` and `partial`
 * events, then a `result` event whose data is the answer).
 */
export function httpHandler(spec: HttpHandlerSpec): AgentHandler {
  return async (request, ctx) => {
    const lines = new PieceLines(ctx.emit)
    let sseResult: string | undefined
    const sse = new SseParser(({ event, data }) => {
      if (event === 'result') sseResult = data
      else if (event === 'progress' || event === 'partial') {
        try {
          ctx.emit(event, JSON.parse(data))
        } catch {
          ctx.emit(event, { text: data })
        }
      }
    })
    // The attempt rides in a header too, so a service can tell a re-run without parsing the body.
    const headers =
      request.type === 'task_request'
        ? { ...spec.headers, 'x-mesh-attempt': String(request.attempt ?? 1) }
        : (spec.headers ?? {})
    const res = await postJson(spec.url, headers, request, ctx.signal, (text, type) => {
      if (type === 'application/x-ndjson') lines.push(text)
      else if (type === 'text/event-stream') sse.push(text)
    })
    if (!res.ok) throw new HandlerError('handler_failed', `HTTP ${res.status}: ${snippet(res.text, 500)}`)
    let text = res.text
    if (res.type === 'application/x-ndjson') text = lines.rest()
    else if (res.type === 'text/event-stream') {
      sse.end()
      if (sseResult === undefined)
        throw new HandlerError(
          'handler_invalid_output',
          `the event stream from ${spec.url} ended without a "result" event`
        )
      text = sseResult
    }
    // A message needs no answer: 204 or an empty body is fine.
    if (request.type === 'message' && text.trim() === '') return null
    try {
      return JSON.parse(text)
    } catch {
      throw new HandlerError(
        'handler_invalid_output',
        `HTTP ${res.status} from ${spec.url} is not JSON: ${snippet(text, 200) || '(empty body)'}`
      )
    }
  }
}
