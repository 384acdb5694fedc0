import { randomUUID } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import type { AgentRuntime } from '@mesh-node/agents'
import type { CapabilityRegistry } from '@mesh-node/membership'
import {
  type AgentAnswerMessage,
  type AgentAskMessage,
  type AgentQuestion,
  MAX_OPTIONS,
  MAX_ROUND_PARTICIPANTS
} from '@mesh-node/protocol'
import type { Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import { CoordinationError } from './errors.js'
import { agentAsk } from './messages/agent-ask.js'
import type { Answer, CoordinationInit, Participant, VoteResult, VoteRoundRequest } from './types.js'

export interface RoundsComponents {
  runtime: Pick<AgentRuntime, 'ask' | 'list'>
  registry: Pick<CapabilityRegistry, 'find' | 'all' | 'isVerified'>
  rpc: Pick<Rpc, 'request'>
  selfPeerId: string
  log: Logger
}

export const clip = (text: string, max: number): string => (text.length > max ? text.slice(0, max) : text)

/** Ties go to the option listed first: deterministic, and the caller controls it. */
export function tally(options: string[], choices: string[]): { choice: string | null; count: number } {
  let best: string | null = null
  let bestCount = 0
  for (const option of options) {
    const count = choices.filter((c) => c === option).length
    if (count > bestCount) {
      best = option
      bestCount = count
    }
  }
  return { choice: best, count: bestCount }
}

/**
 * Questions to many agents at once, with one deadline: the vote, and the
 * steps solve is made of. Any node can run a round; it is only its collector.
 */
export class Rounds {
  private rounds = 0
  private readonly maxParticipants: number

  constructor(
    private readonly c: RoundsComponents,
    private readonly init: CoordinationInit
  ) {
    this.maxParticipants = Math.min(init.maxParticipants ?? MAX_ROUND_PARTICIPANTS, MAX_ROUND_PARTICIPANTS)
  }

  participants(capability?: string): Participant[] {
    const agents = capability != null ? this.c.registry.find(capability) : this.c.registry.all()
    // Only peers this node verified itself: a partner can introduce minted identities by
    // relayed state (§7.2), which would otherwise take voting slots and never answer.
    return agents
      .filter((a) => a.local || this.c.registry.isVerified?.(a.peerId) !== false)
      .map((a) => ({ peerId: a.peerId, agent: a.agent, capabilities: a.capabilities, local: a.local }))
      .sort((a, b) => a.peerId.localeCompare(b.peerId) || a.agent.localeCompare(b.agent))
      .slice(0, this.maxParticipants)
  }

  /** Runs `fn` as one of this node's rounds, refused past maxConcurrentRounds. */
  async round<T>(fn: () => Promise<T>): Promise<T> {
    if (this.rounds >= (this.init.maxConcurrentRounds ?? 8)) {
      throw new CoordinationError(
        `this node already runs ${this.rounds} rounds; try again shortly`,
        'too_many_rounds'
      )
    }
    this.rounds++
    try {
      return await fn()
    } finally {
      this.rounds--
    }
  }

  /** Asks every participant the same question; closes as soon as all have answered. */
  async ask(
    participants: Participant[],
    question: AgentQuestion,
    options: { correlationId: string; deadline: number }
  ): Promise<Answer[]> {
    const timeoutMs = Math.max(1, options.deadline - Date.now())
    return await Promise.all(
      participants.map(async (p): Promise<Answer> => {
        const deadline = new Promise<Answer>((resolve) => {
          setTimeout(
            () => resolve({ participant: p, error: 'no answer before the deadline' }),
            timeoutMs
          ).unref()
        })
        return await Promise.race([
          this.askOne(p, question, options.correlationId, options.deadline),
          deadline
        ])
      })
    )
  }

  private async askOne(
    p: Participant,
    question: AgentQuestion,
    correlationId: string,
    deadline: number
  ): Promise<Answer> {
    try {
      if (p.local) {
        const full = { ...question, correlationId, from: this.c.selfPeerId, deadline } as Parameters<
          AgentRuntime['ask']
        >[1]
        return {
          participant: p,
          answer: await this.c.runtime.ask(p.agent, full, {
            signal: AbortSignal.timeout(Math.max(1, deadline - Date.now()))
          })
        }
      }
      const reply = await this.c.rpc.request(
        agentAsk,
        peerIdFromString(p.peerId),
        { correlationId, agent: p.agent, deadline, question },
        { timeoutMs: Math.max(1, deadline - Date.now()) }
      )
      return reply.error != null
        ? { participant: p, error: `${reply.error.code}: ${reply.error.message}` }
        : { participant: p, answer: reply.answer }
    } catch (err) {
      return { participant: p, error: (err as Error).message }
    }
  }

  /** The receiving side of agent_ask. */
  async answer(message: AgentAskMessage, from: string): Promise<AgentAnswerMessage> {
    const base = { type: 'agent_answer' as const, id: message.id, agent: message.agent }
    if (!this.c.runtime.list().some((a) => a.name === message.agent)) {
      return {
        ...base,
        error: { code: 'unknown_agent', message: `no agent named ${message.agent} on this node` }
      }
    }
    const remaining = Math.min(message.deadline - Date.now(), 10 * 60_000)
    if (remaining <= 0) return { ...base, error: { code: 'timeout', message: 'the deadline has passed' } }
    try {
      const full = {
        ...message.question,
        correlationId: message.correlationId,
        from,
        deadline: message.deadline
      } as Parameters<AgentRuntime['ask']>[1]
      const answer = await this.c.runtime.ask(message.agent, full, { signal: AbortSignal.timeout(remaining) })
      return { ...base, answer: answer ?? null }
    } catch (err) {
      const e = err as { code?: string; message: string }
      return { ...base, error: { code: e.code ?? 'handler_failed', message: clip(e.message, 4000) } }
    }
  }

  async vote(request: VoteRoundRequest): Promise<VoteResult> {
    return await this.round(async () => await this.runVote(request, this.participants(request.capability)))
  }

  /** A vote among `voters`, outside any round count (solve runs one inside its own round). */
  async runVote(request: VoteRoundRequest, voters: Participant[]): Promise<VoteResult> {
    const correlationId = request.correlationId ?? randomUUID()
    const options = [...new Set(request.options)].slice(0, MAX_OPTIONS)
    if (options.length === 0) throw new CoordinationError('a vote needs at least one option', 'bad_request')
    if (voters.length === 0) {
      throw new CoordinationError(
        `no agent to vote${request.capability != null ? ` with capability ${request.capability}` : ''}`,
        'no_voters'
      )
    }
    const quorum = request.quorum ?? Math.floor(voters.length / 2) + 1
    const answers = await this.ask(
      voters,
      { type: 'consensus_vote', question: request.question, options },
      { correlationId, deadline: Date.now() + request.timeoutMs }
    )
    const votes: VoteResult['votes'] = []
    const abstained: VoteResult['abstained'] = []
    for (const a of answers) {
      const who = { agent: a.participant.agent, peerId: a.participant.peerId }
      const choice = (a.answer as { choice?: unknown } | undefined)?.choice
      if (a.error != null) abstained.push({ ...who, reason: a.error })
      else if (typeof choice !== 'string' || !options.includes(choice))
        abstained.push({ ...who, reason: `invalid choice ${JSON.stringify(choice ?? null)}` })
      else votes.push({ ...who, choice })
    }
    const { choice, count } = tally(
      options,
      votes.map((v) => v.choice)
    )
    const quorumMet = votes.length >= quorum
    this.c.log.info(
      { correlationId, choice, votes: votes.length, abstained: abstained.length, quorumMet },
      'vote closed'
    )
    return {
      correlationId,
      question: request.question,
      choice: quorumMet ? choice : null,
      confidence: voters.length > 0 ? count / voters.length : 0,
      votes,
      abstained,
      asked: voters.length,
      quorum,
      quorumMet
    }
  }
}
