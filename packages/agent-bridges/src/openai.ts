import type { OpenAiHandlerSpec } from '@mesh-node/handlers'
import { HandlerError, postJson, snippet, unsupportedRequest } from '@mesh-node/handlers'
import type { AgentHandler, HandlerContext, HandlerRequest } from '@mesh-node/sdk'
import {
  brainstormMessages,
  type ChatMessage,
  critiqueMessages,
  matchChoice,
  parseIdeas,
  taskMessages,
  voteMessages
} from './openai-prompts.js'
import { completionStream } from './openai-stream.js'

interface Completion {
  content: string
  model: unknown
  usage: unknown
}

/** Answers requests with any OpenAI-compatible chat-completions server (OpenAI, Ollama, vLLM, llama.cpp...). */
export function openAiHandler(spec: OpenAiHandlerSpec): AgentHandler {
  const url = `${spec.baseUrl.replace(/\/$/, '')}/chat/completions`

  /** With `emit`, asks for the token stream and passes each piece on as it comes. */
  const complete = async (
    messages: ChatMessage[],
    signal: AbortSignal,
    emit?: HandlerContext['emit']
  ): Promise<Completion> => {
    const headers: Record<string, string> = {}
    if (spec.apiKeyEnv !== undefined) {
      // Read per call so a key rotated in the environment of a reloaded daemon is picked up.
      const key = process.env[spec.apiKeyEnv]
      if (key === undefined || key === '') {
        throw new HandlerError(
          'handler_failed',
          `environment variable ${spec.apiKeyEnv} is not set; set it to the API key for ${spec.baseUrl} before starting mesh-node`
        )
      }
      headers['authorization'] = `Bearer ${key}`
    }
    const body: Record<string, unknown> = {
      model: spec.model,
      messages: spec.system === undefined ? messages : [{ role: 'system', content: spec.system }, ...messages]
    }
    if (spec.temperature !== undefined) body['temperature'] = spec.temperature
    if (spec.maxTokens !== undefined) body['max_tokens'] = spec.maxTokens
    const stream = emit === undefined ? undefined : completionStream(emit)
    if (stream !== undefined) {
      body['stream'] = true
      body['stream_options'] = { include_usage: true }
    }
    let streamed = false
    const res = await postJson(url, headers, body, signal, (text, type) => {
      if (stream === undefined || type !== 'text/event-stream') return
      streamed = true
      stream.push(text)
    })
    if (!res.ok) {
      throw new HandlerError(
        'handler_failed',
        `chat completion failed with HTTP ${res.status}: ${snippet(res.text, 500)}`
      )
    }
    // A server that ignores `stream` answers with one JSON completion, read as before.
    return stream !== undefined && streamed ? stream.finish() : readCompletion(res.text)
  }

  return async (request: HandlerRequest, ctx) => {
    switch (request.type) {
      case 'task_request': {
        const { content, model, usage } = await complete(taskMessages(request), ctx.signal, ctx.emit)
        return { content, model, usage }
      }
      case 'consensus_vote': {
        const { content } = await complete(voteMessages(request), ctx.signal)
        return { choice: matchChoice(content, request.options) }
      }
      case 'brainstorm': {
        const { content } = await complete(brainstormMessages(request), ctx.signal)
        return { idea: content.trim() }
      }
      case 'critique': {
        const { content } = await complete(critiqueMessages(request), ctx.signal)
        return { ideas: parseIdeas(content) }
      }
      case 'bid_request':
        // Asking a model whether it wants work costs a call per bid for no real signal.
        return { score: request.score }
      default:
        throw unsupportedRequest(request)
    }
  }
}

function readCompletion(text: string): Completion {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new HandlerError(
      'handler_invalid_output',
      `chat completion response is not JSON: ${snippet(text, 200)}`
    )
  }
  const reply = data as { choices?: { message?: { content?: unknown } }[]; model?: unknown; usage?: unknown }
  const content = reply?.choices?.[0]?.message?.content
  if (typeof content !== 'string') {
    throw new HandlerError(
      'handler_invalid_output',
      `chat completion response has no choices[0].message.content: ${snippet(text, 200)}`
    )
  }
  return { content, model: reply.model ?? null, usage: reply.usage ?? null }
}
