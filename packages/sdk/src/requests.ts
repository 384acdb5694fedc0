/** Run a task: the only request that takes one of the agent's capacity slots. */
export interface TaskRequest {
  type: 'task_request'
  taskId: string
  capability: string
  input: unknown
  /** Peer id of the node that submitted the task. */
  from: string
  /** Unix epoch milliseconds after which the answer is no longer wanted. */
  deadline: number
  /**
   * Which run of this task on this node this is: 1, or N after a crash of
   * the node cut N - 1 runs short (an idempotent task runs again; a
   * `retry: never` task is failed `interrupted` instead). A handler with a
   * side effect can check for the work an earlier attempt left. Absent: 1.
   */
  attempt?: number
}

/** Pick one of `options`; answered with a {@link VoteAnswer}. */
export interface VoteRequest {
  type: 'consensus_vote'
  question: string
  options: string[]
  correlationId: string
  from: string
  deadline: number
}

/** Propose one idea for `problem`; answered with a {@link BrainstormAnswer}. */
export interface BrainstormRequest {
  type: 'brainstorm'
  problem: string
  correlationId: string
  from: string
  deadline: number
}

/** Improve a set of ideas; answered with a {@link CritiqueAnswer}. */
export interface CritiqueRequest {
  type: 'critique'
  problem: string
  ideas: string[]
  correlationId: string
  from: string
  deadline: number
}

/**
 * Should this agent take a task? `score` is the bid the runtime computed in
 * [0, 1]; answer with a {@link BidAnswer} to adjust it or decline.
 */
export interface BidRequest {
  type: 'bid_request'
  capability: string
  input: unknown
  correlationId: string
  from: string
  deadline: number
  score: number
}

/**
 * A message on a topic the agent follows (its spec's `topics`), or sent to
 * it directly. The answer is ignored: return nothing, or publish/send a
 * reply yourself. Takes no capacity slot.
 */
export interface MessageRequest {
  type: 'message'
  /** The topic it arrived on; absent for a direct send. */
  topic?: string
  /** The envelope's own type (`message` unless the sender chose another). */
  messageType: string
  messageId: string
  payload: unknown
  /** Publisher: its peer id, and its agent when an agent sent it. */
  from: string
  fromAgent?: string
  correlationId?: string
  timestamp: number
  deadline: number
}

export type HandlerRequest =
  | TaskRequest
  | VoteRequest
  | BrainstormRequest
  | CritiqueRequest
  | BidRequest
  | MessageRequest
