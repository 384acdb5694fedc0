import type { AgentRuntime } from '@mesh-node/agents'
import type { SolveResultInfo, VoteResultInfo } from '@mesh-node/api'
import type { CapabilityRegistry } from '@mesh-node/membership'
import type { AgentAnswerMessage, AgentAskMessage, AgentQuestion } from '@mesh-node/protocol'
import type { Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'

/** The contract of votes and solve rounds: requests, results, components and errors. */

/** An agent taking part in a round. */
export interface Participant {
  peerId: string
  agent: string
  capabilities: string[]
  local: boolean
}

export interface Answer {
  participant: Participant
  answer?: unknown
  /** Why there is no answer: an error, or the deadline. */
  error?: string
}

export interface VoteRoundRequest {
  question: string
  options: string[]
  /** Voters are the agents with this capability, or every agent. */
  capability?: string
  /** Valid votes needed. @default more than half of the voters asked */
  quorum?: number
  timeoutMs: number
  correlationId?: string
}

/** A vote's outcome, exactly as the control API returns it. */
export type VoteResult = VoteResultInfo

export interface SolveRequest {
  problem: string
  capability?: string
  correlationId?: string
  phaseTimeoutsMs?: { brainstorm?: number; critique?: number; vote?: number; implement?: number }
}

/** A solve round's outcome, exactly as the control API returns it. */
export type SolveResult = SolveResultInfo

/** A finished task, as the task-submitting component reports it. */
export interface SubmittedTask {
  taskId: string
  status: string
  result: unknown
  error: { code: string; message: string } | null
  executor: string | null
  agent: string | null
  path: string[]
}

/**
 * Runs a task through the node's journaled dispatcher and waits for it: how
 * solve implements the chosen idea and an auction runs on its bidders.
 * `candidates` restricts and orders the executors.
 */
export type SubmitTask = (task: {
  capability: string
  input: unknown
  timeoutMs: number
  candidates?: string[]
}) => Promise<SubmittedTask>

export class CoordinationError extends Error {
  override name = 'CoordinationError'
  constructor(
    message: string,
    readonly code: string
  ) {
    super(message)
  }
}

export interface CoordinationComponents {
  runtime: Pick<AgentRuntime, 'ask' | 'list'>
  registry: Pick<CapabilityRegistry, 'find' | 'all'>
  rpc: Pick<Rpc, 'request'>
  selfPeerId: string
  log: Logger
  /** Progress of rounds, for the event stream. */
  emit?: (event: { type: string; [field: string]: unknown }) => void
}

export interface CoordinationInit {
  /** @default MAX_ROUND_PARTICIPANTS */
  maxParticipants?: number
  /** Rounds this node runs at once; more are refused. @default 8 */
  maxConcurrentRounds?: number
}

export interface Coordination {
  participants(capability?: string): Participant[]
  /** Asks every participant the same question; closes as soon as all have answered. */
  ask(
    participants: Participant[],
    question: AgentQuestion,
    options: { correlationId: string; deadline: number }
  ): Promise<Answer[]>
  vote(request: VoteRoundRequest): Promise<VoteResult>
  solve(request: SolveRequest, submit: SubmitTask): Promise<SolveResult>
  /** The receiving side of agent_ask. */
  answer(message: AgentAskMessage, from: string): Promise<AgentAnswerMessage>
}
