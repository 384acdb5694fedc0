import { isPlainObject } from '@mesh-node/handlers'
import type { BrainstormRequest, CritiqueRequest, TaskRequest, VoteRequest } from '@mesh-node/sdk'

export interface ChatMessage {
  role: string
  content: string
}

/** Turns a task's input into chat messages, accepting the shapes people naturally send. */
export function taskMessages(request: TaskRequest): ChatMessage[] {
  const { input } = request
  if (typeof input === 'string') return [{ role: 'user', content: input }]
  if (isPlainObject(input)) {
    const { messages, prompt, text } = input
    if (Array.isArray(messages) && messages.length > 0 && messages.every(isChatMessage)) {
      return messages.map(({ role, content }) => ({ role, content }))
    }
    if (typeof prompt === 'string') return [{ role: 'user', content: prompt }]
    if (typeof text === 'string') return [{ role: 'user', content: text }]
  }
  return [{ role: 'user', content: JSON.stringify(input) }]
}

function isChatMessage(value: unknown): value is ChatMessage {
  return isPlainObject(value) && typeof value['role'] === 'string' && typeof value['content'] === 'string'
}

export function voteMessages(request: VoteRequest): ChatMessage[] {
  const options = request.options.map((o) => `- ${o}`).join('\n')
  return [
    {
      role: 'user',
      content: `${request.question}\n\nOptions:\n${options}\n\nAnswer with exactly one of the options above, copied verbatim, and nothing else.`
    }
  ]
}

export function brainstormMessages(request: BrainstormRequest): ChatMessage[] {
  return [
    {
      role: 'user',
      content: `Propose one concrete idea to solve this problem. Reply with the idea only, in a few sentences.\n\nProblem: ${request.problem}`
    }
  ]
}

export function critiqueMessages(request: CritiqueRequest): ChatMessage[] {
  const ideas = request.ideas.map((idea, i) => `${i + 1}. ${idea}`).join('\n')
  return [
    {
      role: 'user',
      content:
        `Problem: ${request.problem}\n\nProposed ideas:\n${ideas}\n\n` +
        'Critique these ideas: drop weak ones, merge duplicates and improve the rest. ' +
        'Reply with only a JSON array of strings, the improved ideas, best first.'
    }
  ]
}

/**
 * Maps a free-text reply onto one of the options: exact, then ignoring case
 * and surrounding quotes/punctuation, then the longest option the reply
 * mentions, then an option that contains the whole reply. Returns the raw
 * reply if nothing matches (the vote's caller decides what an invalid choice means).
 */
export function matchChoice(reply: string, options: string[]): string {
  const raw = reply.trim()
  if (options.includes(raw)) return raw
  const cleaned = raw.replace(/^["'`*\s]+|["'`*.!\s]+$/g, '').toLowerCase()
  const lower = options.map((o) => o.toLowerCase())
  const exact = options[lower.indexOf(cleaned)]
  if (exact !== undefined) return exact
  const [longestMentioned] = options
    .filter((o) => o !== '' && cleaned.includes(o.toLowerCase()))
    .sort((a, b) => b.length - a.length)
  if (longestMentioned !== undefined) return longestMentioned
  const containing = options.find((o) => cleaned !== '' && o.toLowerCase().includes(cleaned))
  return containing ?? raw
}

/** Reads a list of ideas from a reply: a JSON array (fenced or bare), else one idea per line. */
export function parseIdeas(content: string): string[] {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(content)?.[1]
  const candidates = [fenced, content, bracketed(content)]
  for (const candidate of candidates) {
    if (candidate === undefined) continue
    try {
      const parsed: unknown = JSON.parse(candidate.trim())
      if (Array.isArray(parsed)) {
        const ideas = parsed.filter((x): x is string => typeof x === 'string').map((s) => s.trim())
        if (ideas.length > 0) return ideas.filter((s) => s !== '')
      }
    } catch {
      // not JSON; try the next reading
    }
  }
  return content
    .split(/\r?\n/)
    .map((line) => line.replace(/^\s*(?:[-*•]|\d+[.)])\s*/, '').trim())
    .filter((line) => line !== '' && !line.startsWith('```') && line !== '[' && line !== ']')
}

function bracketed(content: string): string | undefined {
  const start = content.indexOf('[')
  const end = content.lastIndexOf(']')
  return start >= 0 && end > start ? content.slice(start, end + 1) : undefined
}
