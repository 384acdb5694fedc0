import { isPlainObject } from './validate.js'

export const BUILTIN_NAMES = ['echo', 'text.stats', 'slow', 'fail', 'upper'] as const
export type BuiltinName = (typeof BUILTIN_NAMES)[number]

/** `slow` never waits longer than this, whatever it is asked. */
export const SLOW_MAX_MS = 10 * 60 * 1000

export type VotePolicy = 'first' | 'last' | 'random' | { choice: string }

/** The builtin `options` object after validation. */
export interface BuiltinOptions {
  vote: VotePolicy
  idea?: string
  critique: 'sort' | 'reverse'
  bidScore?: number
  ms?: number
  message?: string
}

const KNOWN = ['vote', 'idea', 'critique', 'bidScore', 'ms', 'message']

export function isBuiltinName(name: string): name is BuiltinName {
  return (BUILTIN_NAMES as readonly string[]).includes(name)
}

export interface OptionProblem {
  /** Key inside `options`, e.g. `vote`. */
  field: string
  problem: string
}

/**
 * Validates builtin options. Shared by the config parser (so mistakes show at
 * startup) and createHandler (which may be called with an unparsed spec).
 */
export function parseBuiltinOptions(raw: unknown): BuiltinOptions | OptionProblem {
  if (raw === undefined) return { vote: 'first', critique: 'sort' }
  if (!isPlainObject(raw)) return { field: '', problem: 'must be an object' }
  const unknown = Object.keys(raw).find((k) => !KNOWN.includes(k))
  if (unknown !== undefined) {
    return { field: unknown, problem: `is not a known builtin option (known: ${KNOWN.join(', ')})` }
  }
  const { vote = 'first', idea, critique = 'sort', bidScore, ms, message } = raw
  const fixedChoice = isPlainObject(vote) && typeof vote['choice'] === 'string'
  if (!(vote === 'first' || vote === 'last' || vote === 'random' || fixedChoice)) {
    return { field: 'vote', problem: 'must be "first", "last", "random" or { "choice": "<option>" }' }
  }
  if (idea !== undefined && typeof idea !== 'string') return { field: 'idea', problem: 'must be a string' }
  if (critique !== 'sort' && critique !== 'reverse') {
    return { field: 'critique', problem: 'must be "sort" or "reverse"' }
  }
  if (bidScore !== undefined && !(typeof bidScore === 'number' && bidScore >= 0 && bidScore <= 1)) {
    return { field: 'bidScore', problem: 'must be a number between 0 and 1' }
  }
  if (ms !== undefined && !(Number.isInteger(ms) && (ms as number) >= 0 && (ms as number) <= SLOW_MAX_MS)) {
    return { field: 'ms', problem: `must be an integer between 0 and ${SLOW_MAX_MS}` }
  }
  if (message !== undefined && typeof message !== 'string')
    return { field: 'message', problem: 'must be a string' }
  return {
    vote: fixedChoice ? { choice: (vote as { choice: string }).choice } : (vote as VotePolicy),
    critique,
    ...(idea === undefined ? {} : { idea }),
    ...(bidScore === undefined ? {} : { bidScore }),
    ...(ms === undefined ? {} : { ms: ms as number }),
    ...(message === undefined ? {} : { message })
  }
}

export function isOptionProblem(value: BuiltinOptions | OptionProblem): value is OptionProblem {
  return 'problem' in value
}
