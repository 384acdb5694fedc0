/** JSON shapes of the control API (the README's Control API section); the CLI's --json prints them unchanged. */

export interface IdInfo {
  peerId: string
  /** The node's name (a label, not identity). */
  name: string
  addresses: string[]
}

export interface PeerInfo {
  peerId: string
  /** The name the peer announced, if any: a label anyone can claim, never identity. */
  name?: string
  addresses: string[]
  /** When the oldest open connection to the peer opened (ms since the epoch). */
  connectedSince: number
}

export interface ApiErrorBody {
  error: string
  code: string
}

export interface TaskErrorInfo {
  code: string
  message: string
}

/** The answer to a submitted task (POST /v1/tasks with wait, and `submit --json`). */
export interface TaskResult {
  taskId: string
  status: 'completed' | 'failed' | 'cancelled'
  result: unknown
  error: TaskErrorInfo | null
  executor: string | null
  agent: string | null
  path: string[]
}

/** A task this node submitted, ran or forwarded. */
export interface TaskInfo {
  taskId: string
  role: 'origin' | 'executor' | 'forwarder'
  capability: string
  from: string
  status: string
  createdAt: number
  updatedAt: number
  executor?: string
  agent?: string
  path?: string[]
  result?: unknown
  error?: TaskErrorInfo
  queue?: boolean
  /** On the origin: 'never' when the task was submitted with it (absent: idempotent). */
  retry?: 'never'
  attempts: AttemptInfo[]
  /** Names announced by the peers in from, executor and path (labels only). */
  names?: Record<string, string>
  /** On the origin, once an attempt has ended: the trace (`task ID --trace`). */
  trace?: TaskTraceInfo
}

/** One node's own account of a task: by its clock, reported by itself, so shown and never trusted. */
export interface HopSpanInfo {
  peerId: string
  spanId: string
  role: 'executor' | 'forwarder'
  receivedAt: number
  queuedMs: number
  executedMs: number
  forwardedMs: number
}

export interface TaskTraceInfo {
  /** W3C trace id (32 hex): every hop's log lines about the task carry it as `traceId`. */
  traceId: string
  traceparent?: string
  /** Origin first, then each hop in path order. */
  spans: HopSpanInfo[]
}

export interface AgentInfo {
  peerId: string
  /** Its node's announced name, if any (a label, never identity). */
  name?: string
  agent: string
  capabilities: string[]
  load: number
  capacity: number
  running: number
  local: boolean
  /** Capability name to what it declares, for capabilities that declare any (docs/PROTOCOL.md §5.2). */
  schemas?: Record<string, { description?: string; inputSchema?: unknown; outputSchema?: unknown }>
}

/** A piece a running task streamed (docs/PROTOCOL.md §5.6), as GET /v1/tasks/:id/stream sends it. */
export interface TaskPieceInfo {
  taskId: string
  /** The executor's numbering; gaps are pieces dropped on the way. */
  seq: number
  kind: 'progress' | 'partial'
  data: unknown
  executor: string
  agent?: string
}

/** One event of a task's stream: a piece (with its resumable event id) or, last, the result. */
export type TaskStreamEvent =
  | { type: 'progress' | 'partial'; id: number; piece: TaskPieceInfo }
  | { type: 'result'; result: TaskResult }

/** POST /v1/tasks (`wait` is set by the client: submit or submitNoWait). */
/**
 * The body of POST /v1/tasks. To make a submit safe to retry, send an
 * `Idempotency-Key` header (1 to 128 of `A-Za-z0-9._:-`, e.g. a random
 * UUID): a retry with the same key and the same body returns the task the
 * first one created (HTTP 200 instead of 202, header `Idempotent-Replayed:
 * true`), and the same key with a different body fails 409
 * `idempotency_conflict`. A key is kept as long as its task (the journal's
 * retention); `wait` is not part of the comparison.
 */
export interface SubmitRequest {
  capability: string
  input?: unknown
  timeoutMs?: number
  /** Keep the task until a capable agent appears instead of failing it. */
  queue?: boolean
  /**
   * Run it on the agent of this name and nowhere else; `NAME@PEER` names the
   * peer too. Unknown or ambiguous names fail at once (`unknown_agent`,
   * `ambiguous_agent`); an agent that is gone fails the task (`agent_gone`,
   * `target_unreachable`) rather than running it elsewhere.
   */
  agent?: string
  /** Run it on this peer (a peer id or a unique prefix) and nowhere else. */
  peer?: string
  /**
   * What an executor does when a crash (its own kill -9, say) cut its run of
   * the task short: `idempotent` (the default) runs it again and tells the
   * handler it is attempt N (`MESH_ATTEMPT`, `x-mesh-attempt`); `never` fails
   * the task `interrupted`, so it never runs twice on that executor.
   */
  retry?: 'never' | 'idempotent'
}

export interface AttemptInfo {
  n: number
  executor: string
  agent?: string
  startedAt: number
  endedAt?: number
  outcome?: string
  error?: TaskErrorInfo
}

export interface MemberInfo {
  peerId: string
  /** Its announced name, if any (a label, never identity). */
  name?: string
  state: 'alive' | 'suspect' | 'dead'
  lastHeardAt: number
  suspectedAt?: number
  deadAt?: number
  /** Heard of only through gossip and not yet reached: suspect until a probe answers (PROTOCOL §8.1). */
  unverified?: boolean
}

/** GET /v1/status and `status --json`. */
export interface StatusInfo {
  peerId: string
  /** This node's name. */
  name: string
  /** When the daemon process began its start (ms since the epoch). */
  startedAt: number
  uptimeMs: number
  /** Equal on every node once mesh state has converged. */
  digest: string
  peers: number
  agents: { local: number; total: number }
  members: MemberInfo[]
  /** Peers in this node's (persisted) peer store, which it keeps dialling; departed ones are purged (§12). */
  storedPeers?: number
  /** Tasks by status, and `outbox`, `executions` and `executionBytes` (the executions table's estimated size). */
  tasks: Record<string, number>
  /** Inbound results this node, as origin, did not believe since its start, by reason (§6.9). */
  rejectedResults?: Record<string, number>
}

/** One server-sent event from GET /v1/events. */
export interface ApiEvent {
  type: string
  at: number
  [field: string]: unknown
}

export interface VoteRequestBody {
  question: string
  options: string[]
  capability?: string
  quorum?: number
  timeoutMs?: number
}

/** POST /v1/auctions: collect bids for `deadlineMs`, then run the task on the best bidder. */
export interface AuctionRequestBody {
  capability: string
  input?: unknown
  deadlineMs?: number
  timeoutMs?: number
}

/** POST /v1/solve: brainstorm, critique, vote, implement. */
export interface SolveRequestBody {
  problem: string
  capability?: string
  correlationId?: string
  phaseTimeoutMs?: number
}

export interface VoteResultInfo {
  correlationId: string
  question: string
  choice: string | null
  /** Votes for the winner divided by voters asked. */
  confidence: number
  votes: Array<{ agent: string; peerId: string; choice: string }>
  abstained: Array<{ agent: string; peerId: string; reason: string }>
  asked: number
  quorum: number
  quorumMet: boolean
}

export interface BidInfo {
  agent: string
  peerId: string
  /** What the bidder offered: capability match × free capacity, perhaps adjusted by its handler. */
  offer: number
  /** The auctioneer's final score (see `scoreBid` in packages/coordination). */
  score: number
  running: number
  capacity: number
  latencyMs: number | null
  successRate: number
  avgMs: number | null
}

export interface AuctionResultInfo extends TaskResult {
  correlationId: string
  winner: string
  winnerPeerId: string
  bids: BidInfo[]
}

export interface SolveResultInfo {
  correlationId: string
  ideas: Array<{ agent: string; peerId: string; idea: string }>
  refined: string[]
  decision: {
    choice: string | null
    confidence: number
    votes: VoteResultInfo['votes']
    abstained: VoteResultInfo['abstained']
    quorumMet: boolean
  }
  implementation: {
    capability: string
    taskId: string
    status: string
    executor: string | null
    agent: string | null
  }
  result: unknown
}
