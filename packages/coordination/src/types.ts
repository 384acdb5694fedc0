import type { SolveResultInfo, VoteResultInfo } from '@mesh-node/api'

/** The contract of votes, solve rounds and auctions: requests, results, the submitting component, errors. */

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

/** A task a round runs: solve's implement step, an auction on its bidders. */
export interface TaskToSubmit {
  capability: string
  input: unknown
  timeoutMs: number
  /** Only these peers, in this order (an auction's bidders, best first). */
  candidates?: string[]
  /** An auction's bids, best first: the agent that bid is the one that runs it (journaled by the daemon). */
  bids?: Array<{ peer: string; agent: string }>
}

/** Who is waiting for the round: its caller's hang-up stops the waiting (not the task), its trace continues. */
export interface SubmitContext {
  signal?: AbortSignal
  traceparent?: string
}

/**
 * Runs a task through the node's journaled dispatcher and waits for it: the
 * task-submitting component coordination is given.
 */
export type SubmitTask = (task: TaskToSubmit, context: SubmitContext) => Promise<SubmittedTask>

export interface CoordinationInit {
  /** @default MAX_ROUND_PARTICIPANTS */
  maxParticipants?: number
  /** Rounds this node runs at once; more are refused. @default 8 */
  maxConcurrentRounds?: number
}
