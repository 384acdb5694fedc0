import type {
  BidAnswer,
  BidRequest,
  BrainstormAnswer,
  BrainstormRequest,
  CritiqueAnswer,
  CritiqueRequest,
  VoteAnswer,
  VoteRequest
} from '@mesh-node/sdk'
import type { BuiltinOptions } from './builtin-options.js'
import { HandlerError } from './errors.js'

// Deterministic answers to the collaborative request types, so a mesh of
// builtin agents can exercise every protocol path without a model.

export function builtinVote(request: VoteRequest, options: BuiltinOptions): VoteAnswer {
  const policy = options.vote
  // A fixed choice is answered even if it is not an option: judging it is the caller's job.
  if (typeof policy === 'object') return { choice: policy.choice }
  const { options: choices } = request
  const index =
    policy === 'first'
      ? 0
      : policy === 'last'
        ? choices.length - 1
        : Math.floor(Math.random() * choices.length)
  const choice = choices[index]
  if (choice == null) throw new HandlerError('handler_failed', 'the vote has no options to choose from')
  return { choice }
}

export function builtinBrainstorm(
  request: BrainstormRequest,
  options: BuiltinOptions,
  agent: string
): BrainstormAnswer {
  return { idea: options.idea ?? `${agent}: ${request.problem}` }
}

export function builtinCritique(request: CritiqueRequest, options: BuiltinOptions): CritiqueAnswer {
  // Stable sort keeps first-seen order among ideas of equal length.
  const ideas = [...new Set(request.ideas)].sort((a, b) => a.length - b.length)
  return { ideas: options.critique === 'reverse' ? ideas.reverse() : ideas }
}

export function builtinBid(request: BidRequest, options: BuiltinOptions): BidAnswer {
  return { score: options.bidScore ?? request.score }
}
