import { randomUUID } from 'node:crypto'
import { MAX_OPTIONS } from '@mesh-node/protocol'
import { CoordinationError } from './errors.js'
import { clip, type Rounds } from './rounds.js'
import type {
  Participant,
  SolveRequest,
  SolveResult,
  SubmittedTask,
  TaskToSubmit,
  VoteResult
} from './types.js'

/** Phase timeouts when the request names none. */
const PHASE_DEFAULTS_MS = { brainstorm: 10_000, critique: 15_000, vote: 10_000, implement: 30_000 }

type Idea = { agent: string; peerId: string; idea: string }

/** One solve round in progress: who takes part, and where its progress is told. */
interface SolveRound {
  rounds: Rounds
  people: Participant[]
  problem: string
  correlationId: string
  emit: (phase: string, fields?: Record<string, unknown>) => void
}

/**
 * Brainstorm → critique → vote → implement, the last step as an ordinary
 * journaled task through `submit`. Each phase has its own deadline.
 */
export async function solve(
  rounds: Rounds,
  request: SolveRequest,
  submit: (task: TaskToSubmit) => Promise<SubmittedTask>,
  emit: (event: { type: string; [field: string]: unknown }) => void
): Promise<SolveResult> {
  return await rounds.round(async () => {
    const correlationId = request.correlationId ?? randomUUID()
    const t = { ...PHASE_DEFAULTS_MS, ...request.phaseTimeoutsMs }
    const people = rounds.participants(request.capability)
    if (people.length === 0)
      throw new CoordinationError('no agent to take part in solving', 'no_participants')
    const round: SolveRound = {
      rounds,
      people,
      problem: request.problem,
      correlationId,
      emit: (phase, fields = {}) => emit({ type: 'solve_phase', correlationId, phase, ...fields })
    }
    const ideas = await brainstorm(round, t.brainstorm)
    const refined = await critique(round, ideas, t.critique)
    const decision = await decide(round, refined, t.vote)
    const capability = request.capability ?? implementer(people, ideas, decision.choice)
    round.emit('implement', { capability })
    const done = await submit({
      capability,
      input: { problem: request.problem, idea: decision.choice },
      timeoutMs: t.implement
    })
    round.emit('implement_done', { status: done.status, executor: done.executor })
    const { choice, confidence, votes, abstained, quorumMet } = decision
    return {
      correlationId,
      ideas,
      refined,
      decision: { choice, confidence, votes, abstained, quorumMet },
      implementation: {
        capability,
        taskId: done.taskId,
        status: done.status,
        executor: done.executor,
        agent: done.agent
      },
      result: done.status === 'completed' ? done.result : { error: done.error }
    }
  })
}

async function brainstorm(round: SolveRound, timeoutMs: number): Promise<Idea[]> {
  round.emit('brainstorm', { participants: round.people.length })
  const answers = await round.rounds.ask(
    round.people,
    { type: 'brainstorm', problem: round.problem },
    { correlationId: round.correlationId, deadline: Date.now() + timeoutMs }
  )
  const ideas = answers
    .map((a) => ({
      agent: a.participant.agent,
      peerId: a.participant.peerId,
      idea: (a.answer as { idea?: unknown } | undefined)?.idea
    }))
    .filter((x): x is Idea => typeof x.idea === 'string' && x.idea.trim() !== '')
    .map((x) => ({ ...x, idea: clip(x.idea.trim(), 2000) }))
  round.emit('brainstorm_done', { ideas: ideas.length })
  if (ideas.length === 0) throw new CoordinationError('brainstorm produced no ideas', 'no_ideas')
  return ideas
}

/** The ideas as the critics refined them; the brainstorm's own when nobody proposed any. */
async function critique(round: SolveRound, ideas: Idea[], timeoutMs: number): Promise<string[]> {
  const unique = [...new Set(ideas.map((i) => i.idea))].slice(0, MAX_OPTIONS)
  round.emit('critique', { ideas: unique.length })
  const answers = await round.rounds.ask(
    round.people,
    { type: 'critique', problem: round.problem, ideas: unique },
    { correlationId: round.correlationId, deadline: Date.now() + timeoutMs }
  )
  const proposed = answers.flatMap((a) => {
    const list = (a.answer as { ideas?: unknown } | undefined)?.ideas
    return Array.isArray(list)
      ? list
          .filter((i): i is string => typeof i === 'string' && i.trim() !== '')
          .map((i) => clip(i.trim(), 2000))
      : []
  })
  const refined = proposed.length > 0 ? [...new Set(proposed)].slice(0, MAX_OPTIONS) : unique
  round.emit('critique_done', { refined: refined.length })
  return refined
}

async function decide(
  round: SolveRound,
  refined: string[],
  timeoutMs: number
): Promise<VoteResult & { choice: string }> {
  round.emit('vote', { options: refined.length })
  // Any valid vote decides: the round has already filtered the ideas.
  const decision = await round.rounds.runVote(
    {
      question: `Which solution should we implement for: ${clip(round.problem, 1500)}`,
      options: refined,
      quorum: 1,
      timeoutMs,
      correlationId: round.correlationId
    },
    round.people
  )
  round.emit('vote_done', { choice: decision.choice, confidence: decision.confidence })
  const { choice } = decision
  if (choice == null) throw new CoordinationError('no valid vote on the refined ideas', 'no_decision')
  return { ...decision, choice }
}

/** The capability to implement with: the chosen idea's proposer's first, else the first participant's. */
function implementer(people: Participant[], ideas: Idea[], choice: string): string {
  const proposer = ideas.find((i) => i.idea === choice) ?? ideas[0]
  const own = people.find((p) => p.agent === proposer?.agent && p.peerId === proposer?.peerId)
  return own?.capabilities[0] ?? people[0]?.capabilities[0] ?? ''
}
