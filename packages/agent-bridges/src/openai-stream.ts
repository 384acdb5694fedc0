import { HandlerError, SseParser, snippet } from '@mesh-node/handlers'
import type { HandlerContext } from '@mesh-node/sdk'

export interface StreamedCompletion {
  content: string
  model: unknown
  usage: unknown
}

/**
 * Reads a chat completion sent with `stream: true`: SSE `data:` chunks whose
 * `choices[0].delta.content` is the next piece of text, ended by
 * `data: [DONE]`. Each piece goes to `emit` as `partial` `{ text }` as it
 * arrives; the whole text is the result. `usage` comes in the last chunk
 * when the server honours `stream_options.include_usage`.
 */
export function completionStream(emit: HandlerContext['emit']): {
  push: (text: string) => void
  finish: () => StreamedCompletion
} {
  const parts: string[] = []
  let model: unknown = null
  let usage: unknown = null
  let chunks = 0
  const parser = new SseParser(({ data }) => {
    if (data.trim() === '[DONE]') return
    let chunk: {
      model?: unknown
      usage?: unknown
      choices?: { delta?: { content?: unknown } }[]
    }
    try {
      chunk = JSON.parse(data)
    } catch {
      throw new HandlerError('handler_invalid_output', `a streamed chunk is not JSON: ${snippet(data, 200)}`)
    }
    chunks++
    if (chunk.model !== undefined) model = chunk.model
    if (chunk.usage !== undefined && chunk.usage !== null) usage = chunk.usage
    const text = chunk.choices?.[0]?.delta?.content
    if (typeof text === 'string' && text !== '') {
      parts.push(text)
      emit('partial', { text })
    }
  })
  return {
    push: (text) => parser.push(text),
    finish: () => {
      parser.end()
      if (chunks === 0)
        throw new HandlerError('handler_invalid_output', 'the streamed chat completion held no chunks')
      return { content: parts.join(''), model, usage }
    }
  }
}
