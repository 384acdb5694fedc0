import { randomUUID } from 'node:crypto'
import { type GossipSub, type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromString } from '@libp2p/peer-id'
import type { AgentRuntime } from '@mesh-node/agents'
import type { BidInfo } from '@mesh-node/api'
import type { CapabilityRegistry } from '@mesh-node/membership'
import {
  AUCTION_TOPIC,
  type BidAckMessage,
  type BidMessage,
  type CallForBidsMessage,
  decodeCallForBids,
  MAX_ROUND_PARTICIPANTS
} from '@mesh-node/protocol'
import type { Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import { CoordinationError } from './errors.js'
import { bid as bidMessage } from './messages/bid.js'
import type { PeerStats } from './peer-stats.js'
import type { SubmittedTask, TaskToSubmit } from './types.js'

/** A bid as the auctioneer ranks it, exactly as the control API returns it. */
export type ScoredBid = BidInfo

export interface AuctionRequest {
  capability: string
  input: unknown
  /** How long bids are collected at most. */
  deadlineMs: number
  correlationId?: string
}

export interface AuctionRun extends AuctionRequest {
  /** The task's own timeout, once a bidder runs it. */
  timeoutMs: number
}

export interface AuctionOutcome extends SubmittedTask {
  correlationId: string
  winner: string
  winnerPeerId: string
  bids: ScoredBid[]
}

export interface AuctionComponents {
  pubsub: GossipSub
  rpc: Pick<Rpc, 'request'>
  runtime: Pick<AgentRuntime, 'candidates' | 'ask'>
  registry: Pick<CapabilityRegistry, 'find' | 'latency' | 'isVerified'>
  /** Each peer's record on the tasks sent to it, from this node's side. */
  stats: Pick<PeerStats, 'get' | 'successRate'>
  selfPeerId: string
  log: Logger
}

export interface Auctions {
  /** Calls for bids and collects them until the deadline, or until every known capable agent has bid. */
  collect(request: AuctionRequest): Promise<{ correlationId: string; bids: ScoredBid[] }>
  /**
   * Collects bids, then runs the task on the bidders in score order, so a
   * failing or dead winner hands over to the next bid. CoordinationError
   * `no_bids` when nobody bid.
   */
  run(request: AuctionRun, submit: (task: TaskToSubmit) => Promise<SubmittedTask>): Promise<AuctionOutcome>
  /** The receiving side of a bid. */
  receiveBid(bid: BidMessage, from: string): BidAckMessage
  start(): Promise<void>
  stop(): Promise<void>
}

/** Auctions this node collects at once; more are refused. */
const MAX_OPEN_AUCTIONS = 8

/**
 * The documented scoring: 55% the bidder's offer, 25% its past success rate
 * here (Laplace-smoothed, so a newcomer starts at 0.5), 10% its speed, 10%
 * how close it is. Load dominates, so an idle agent beats a busy one.
 */
export function scoreBid(
  offer: number,
  success: number,
  avgMs: number | null,
  latencyMs: number | undefined
): number {
  const speed = avgMs != null ? 1 / (1 + avgMs / 1000) : 0.5
  const near = latencyMs != null ? 1 / (1 + latencyMs / 10) : 0.5
  return Math.round((0.55 * offer + 0.25 * success + 0.1 * speed + 0.1 * near) * 1e6) / 1e6
}

interface OpenAuction {
  capability: string
  expected: number
  bids: Map<string, ScoredBid>
  done: () => void
}

class GossipAuctions implements Auctions {
  private readonly open = new Map<string, OpenAuction>()
  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    if (evt.detail.topic === AUCTION_TOPIC) void this.onCall(evt.detail)
  }

  constructor(private readonly c: AuctionComponents) {}

  async start(): Promise<void> {
    this.c.pubsub.topicValidators.set(AUCTION_TOPIC, (_peer, msg) => {
      const decoded = decodeCallForBids(msg.data)
      if (!decoded.ok) return TopicValidatorResult.Reject
      // Only the auctioneer may call its own auction.
      if (msg.type !== 'signed' || msg.from.toString() !== decoded.message.auctioneer)
        return TopicValidatorResult.Reject
      return decoded.message.deadline > Date.now() ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore
    })
    this.c.pubsub.addEventListener('message', this.onMessage)
    this.c.pubsub.subscribe(AUCTION_TOPIC)
  }

  async stop(): Promise<void> {
    this.c.pubsub.removeEventListener('message', this.onMessage)
    this.c.pubsub.topicValidators.delete(AUCTION_TOPIC)
    for (const a of this.open.values()) a.done()
  }

  async run(
    request: AuctionRun,
    submit: (task: TaskToSubmit) => Promise<SubmittedTask>
  ): Promise<AuctionOutcome> {
    const { correlationId, bids } = await this.collect(request)
    const [best] = bids
    if (best == null)
      throw new CoordinationError(
        `no agent bid for ${request.capability} within ${request.deadlineMs} ms`,
        'no_bids'
      )
    const candidates = [...new Set(bids.map((b) => b.peerId))]
    const done = await submit({
      capability: request.capability,
      input: request.input,
      timeoutMs: request.timeoutMs,
      candidates,
      bids: bids.map((b) => ({ peer: b.peerId, agent: b.agent }))
    })
    return { ...done, correlationId, winner: best.agent, winnerPeerId: best.peerId, bids }
  }

  async collect(request: AuctionRequest): Promise<{ correlationId: string; bids: ScoredBid[] }> {
    if (this.open.size >= MAX_OPEN_AUCTIONS) {
      throw new CoordinationError(
        `this node already runs ${this.open.size} auctions; try again shortly`,
        'too_many_rounds'
      )
    }
    const correlationId = request.correlationId ?? randomUUID()
    const deadline = Date.now() + request.deadlineMs
    // Bidders this node verified itself: minted identities known by relayed state never bid.
    const bidders = this.c.registry
      .find(request.capability)
      .filter((a) => a.local || this.c.registry.isVerified?.(a.peerId) !== false)
    const expected = Math.min(bidders.length, MAX_ROUND_PARTICIPANTS)
    let finish!: () => void
    const closed = new Promise<void>((resolve) => {
      finish = resolve
    })
    const auction: OpenAuction = { capability: request.capability, expected, bids: new Map(), done: finish }
    this.open.set(correlationId, auction)
    const timer = setTimeout(finish, request.deadlineMs)
    try {
      const input = JSON.stringify(request.input ?? null).length <= 64 * 1024 ? request.input : undefined
      const call: CallForBidsMessage = {
        type: 'call_for_bids',
        correlationId,
        auctioneer: this.c.selfPeerId,
        capability: request.capability,
        input,
        deadline
      }
      await this.c.pubsub
        .publish(AUCTION_TOPIC, new TextEncoder().encode(JSON.stringify(call)))
        .catch((err: Error) => {
          this.c.log.debug({ correlationId, err: err.message }, 'call for bids not published')
        })
      // Our own agents bid too, without the network.
      void this.bid(call, (bid) =>
        this.receiveBid({ ...bid, type: 'bid', id: randomUUID() }, this.c.selfPeerId)
      )
      if (expected === 0) finish()
      await closed
    } finally {
      clearTimeout(timer)
      this.open.delete(correlationId)
    }
    const bids = [...auction.bids.values()].sort(
      (a, b) => b.score - a.score || a.peerId.localeCompare(b.peerId) || a.agent.localeCompare(b.agent)
    )
    this.c.log.info({ correlationId, bids: bids.length, winner: bids[0]?.agent }, 'auction closed')
    return { correlationId, bids }
  }

  receiveBid(bid: BidMessage, from: string): BidAckMessage {
    const ack = (accepted: boolean): BidAckMessage => ({
      type: 'bid_ack',
      id: bid.id,
      correlationId: bid.correlationId,
      accepted
    })
    const auction = this.open.get(bid.correlationId)
    const key = `${from}/${bid.agent}`
    if (auction == null || auction.bids.has(key) || auction.bids.size >= MAX_ROUND_PARTICIPANTS)
      return ack(false)
    // Only agents the mesh knows to have the capability may bid, once each.
    const known =
      from === this.c.selfPeerId ||
      this.c.registry.find(auction.capability).some((a) => a.peerId === from && a.agent === bid.agent)
    if (!known) return ack(false)
    const successRate = this.c.stats.successRate(from)
    const avgMs = this.c.stats.get(from)?.avgMs ?? null
    const latency = from === this.c.selfPeerId ? 0 : this.c.registry.latency(from)
    auction.bids.set(key, {
      agent: bid.agent,
      peerId: from,
      offer: bid.score,
      score: scoreBid(bid.score, successRate, avgMs, latency),
      running: bid.running,
      capacity: bid.capacity,
      latencyMs: latency ?? null,
      successRate,
      avgMs
    })
    if (auction.bids.size >= auction.expected) auction.done()
    return ack(true)
  }

  private async onCall(msg: Message): Promise<void> {
    const decoded = decodeCallForBids(msg.data)
    if (!decoded.ok || decoded.message.auctioneer === this.c.selfPeerId) return
    const call = decoded.message
    await this.bid(call, async (bid) => {
      try {
        await this.c.rpc.request(bidMessage, peerIdFromString(call.auctioneer), bid, {
          timeoutMs: Math.max(1, call.deadline - Date.now())
        })
      } catch (err) {
        this.c.log.debug(
          { correlationId: call.correlationId, err: (err as Error).message },
          'bid not delivered'
        )
      }
    })
  }

  /** The runtime's bid for each local agent with the capability; a handler may adjust or decline it. */
  private async bid(
    call: CallForBidsMessage,
    send: (bid: Omit<BidMessage, 'type' | 'id'>) => unknown
  ): Promise<void> {
    const agents = this.c.runtime.candidates(call.capability).slice(0, 8)
    await Promise.all(
      agents.map(async (a) => {
        let score = a.capacity > 0 ? Math.max(0, 1 - a.running / a.capacity) : 0
        const budget = Math.min(call.deadline - Date.now() - 50, 1000)
        if (budget > 0) {
          try {
            const answer = (await this.c.runtime.ask(
              a.name,
              {
                type: 'bid_request',
                capability: call.capability,
                input: call.input ?? null,
                correlationId: call.correlationId,
                from: call.auctioneer,
                deadline: call.deadline,
                score
              },
              { signal: AbortSignal.timeout(budget) }
            )) as { score?: unknown; decline?: unknown } | null
            if (answer?.decline === true) return
            if (typeof answer?.score === 'number' && answer.score >= 0 && answer.score <= 1)
              score = answer.score
          } catch {
            // A handler that does not bid keeps the runtime's score.
          }
        }
        await send({
          correlationId: call.correlationId,
          agent: a.name,
          score,
          running: a.running,
          capacity: a.capacity
        })
      })
    )
  }
}

export function createAuctions(components: AuctionComponents): Auctions {
  return new GossipAuctions(components)
}
