import {
  type AuctionOutcome,
  type AuctionRequest,
  type AuctionRun,
  type Auctions,
  createAuctions,
  type ScoredBid
} from './auction.js'
import type { Coordination, CoordinationComponents } from './index.js'
import { agentAsk, agentAskHandler } from './messages/agent-ask.js'
import { bid, bidHandler } from './messages/bid.js'
import { feedPeerStats, PeerStats } from './peer-stats.js'
import { Rounds } from './rounds.js'
import { solve } from './solve.js'
import type {
  CoordinationInit,
  SolveRequest,
  SolveResult,
  SubmitContext,
  VoteResult,
  VoteRoundRequest
} from './types.js'

/** Votes, solve rounds and auctions of one node, wired once here. */
export class DefaultCoordination implements Coordination {
  private readonly rounds: Rounds
  private readonly auctions: Auctions
  private readonly stats = new PeerStats()
  private unfeed: (() => void) | undefined

  constructor(
    private readonly c: CoordinationComponents,
    init: CoordinationInit
  ) {
    const { runtime, registry, rpc, selfPeerId } = c
    this.rounds = new Rounds(
      { runtime, registry, rpc, selfPeerId, log: c.log.child({ component: 'coordination' }) },
      init
    )
    this.auctions = createAuctions({
      stats: this.stats,
      pubsub: c.pubsub,
      rpc,
      runtime,
      registry,
      selfPeerId,
      log: c.log.child({ component: 'auction' })
    })
  }

  async vote(request: VoteRoundRequest): Promise<VoteResult> {
    this.emit({
      type: 'vote_started',
      question: request.question,
      options: request.options,
      capability: request.capability ?? null
    })
    const result = await this.rounds.vote(request)
    this.emit({ type: 'vote_done', question: request.question, result })
    return result
  }

  async solve(request: SolveRequest, context: SubmitContext = {}): Promise<SolveResult> {
    return await solve(
      this.rounds,
      request,
      (task) => this.c.submit(task, context),
      (e) => this.emit(e)
    )
  }

  async auction(request: AuctionRun, context: SubmitContext = {}): Promise<AuctionOutcome> {
    this.emit({
      type: 'auction_started',
      capability: request.capability,
      deadlineMs: request.deadlineMs ?? null
    })
    try {
      const won = await this.auctions.run(request, (task) => this.c.submit(task, context))
      this.emit({
        type: 'auction_closed',
        capability: request.capability,
        correlationId: won.correlationId,
        bids: won.bids.length,
        winner: won.winner,
        winnerPeerId: won.winnerPeerId
      })
      return won
    } catch (err) {
      this.emit({
        type: 'auction_closed',
        capability: request.capability,
        bids: 0,
        error: (err as Error).message
      })
      throw err
    }
  }

  async collectBids(request: AuctionRequest): Promise<{ correlationId: string; bids: ScoredBid[] }> {
    return await this.auctions.collect(request)
  }

  async start(): Promise<void> {
    this.c.rpc.handle(agentAsk, agentAskHandler(this.rounds))
    this.c.rpc.handle(bid, bidHandler(this.auctions))
    this.unfeed = feedPeerStats(this.c.tasks, this.stats)
    await this.auctions.start()
  }

  async stop(): Promise<void> {
    await this.auctions.stop()
    this.unfeed?.()
    this.c.rpc.unhandle(agentAsk)
    this.c.rpc.unhandle(bid)
  }

  private emit(event: { type: string; [field: string]: unknown }): void {
    this.c.emit?.(event)
  }
}
