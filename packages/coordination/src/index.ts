/**
 * @packageDocumentation
 *
 * Coordination without a leader: any node can start a round and is only its
 * collector.
 *
 * - a **vote** asks each voter (`agent_ask`, bounded fan-out, one deadline)
 *   and tallies (`rounds.ts`);
 * - **solve** runs brainstorm → critique → vote → implement, the last step
 *   as an ordinary journaled task through the `submit` component (`solve.ts`);
 * - an **auction** publishes a `call_for_bids` on gossip, takes `bid`s
 *   straight back, scores them with this node's record of each peer
 *   (`peer-stats.ts`) and runs the task through `submit` on the bidders in
 *   score order (`auction.ts`).
 *
 * It owns the `agent_ask` and `bid` messages (`messages/`) and registers
 * their handlers on the rpc in `start()`.
 *
 * @example
 * ```ts
 * import { coordination } from '@mesh-node/coordination'
 *
 * const rounds = coordination()({ rpc, pubsub, registry, runtime, tasks, submit, selfPeerId, log })
 * await rounds.start()
 * const vote = await rounds.vote({ question: 'ship?', options: ['yes', 'no'], timeoutMs: 5000 })
 * ```
 */

import type { GossipSub } from '@libp2p/gossipsub'
import type { Startable } from '@libp2p/interface'
import type { AgentRuntime } from '@mesh-node/agents'
import type { CapabilityRegistry } from '@mesh-node/membership'
import type { Rpc } from '@mesh-node/rpc'
import type { Tasks } from '@mesh-node/tasks'
import type { Logger } from 'pino'
import type { AuctionOutcome, AuctionRequest, AuctionRun, ScoredBid } from './auction.js'
import { DefaultCoordination } from './coordination.js'
import type {
  CoordinationInit,
  SolveRequest,
  SolveResult,
  SubmitContext,
  SubmitTask,
  VoteResult,
  VoteRoundRequest
} from './types.js'

export type { AuctionOutcome, AuctionRequest, AuctionRun, ScoredBid } from './auction.js'
export { CoordinationError } from './errors.js'
export type {
  CoordinationInit,
  SolveRequest,
  SolveResult,
  SubmitContext,
  SubmitTask,
  SubmittedTask,
  TaskToSubmit,
  VoteResult,
  VoteRoundRequest
} from './types.js'

export interface CoordinationComponents {
  rpc: Pick<Rpc, 'request' | 'handle' | 'unhandle'>
  /** Calls for bids go out, and come in, on gossip. */
  pubsub: GossipSub
  registry: CapabilityRegistry
  runtime: Pick<AgentRuntime, 'ask' | 'list' | 'candidates'>
  /** The task events of this node, whose outcomes score the bids of each peer. */
  tasks: Pick<Tasks, 'onTaskEvent'>
  /** Runs a task through the journaled dispatcher: solve's implement step, an auction's run. */
  submit: SubmitTask
  selfPeerId: string
  log: Logger
  /** Progress of rounds (vote_started, auction_closed, solve_phase, ...), for the event stream. */
  emit?: (event: { type: string; [field: string]: unknown }) => void
}

/** The coordination service of one node. */
export interface Coordination extends Startable {
  vote(request: VoteRoundRequest): Promise<VoteResult>
  solve(request: SolveRequest, context?: SubmitContext): Promise<SolveResult>
  /** Collects bids, then runs the task on the bidders in score order; CoordinationError `no_bids` when nobody bid. */
  auction(request: AuctionRun, context?: SubmitContext): Promise<AuctionOutcome>
  /** Calls for bids and collects them until the deadline, or until every known capable agent has bid. */
  collectBids(request: AuctionRequest): Promise<{ correlationId: string; bids: ScoredBid[] }>
}

export function coordination(
  init: CoordinationInit = {}
): (components: CoordinationComponents) => Coordination {
  return (components) => new DefaultCoordination(components, init)
}
