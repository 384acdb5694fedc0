import { peerIdFromString } from '@libp2p/peer-id'
import type { AgentRuntime } from '@mesh-node/agents'
import { type CapabilityRegistry, localAgentAds } from '@mesh-node/membership'
import type { AgentAd, CapabilityQueryMessage, CapabilityReplyMessage } from '@mesh-node/protocol'
import type { Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import { capabilityQuery, capabilityQueryHandler } from './messages/capability-query.js'
import type { CapabilityProviders } from './providers.js'
import { type Candidate, candidatesFrom } from './strategy.js'
import { TASK_TARGET_FEATURE } from './target.js'

export interface DiscoveryComponents {
  runtime: Pick<AgentRuntime, 'list'>
  registry: CapabilityRegistry
  providers: CapabilityProviders
  rpc: Pick<Rpc, 'request' | 'handle' | 'unhandle'>
  log: Logger
}

/**
 * Who can run a capability: the registry first (a map read), the DHT only
 * when the registry knows nobody; and this node's side of the same
 * question, the capability_reply.
 */
export class Discovery {
  constructor(
    private readonly c: DiscoveryComponents,
    private readonly dhtLookupTimeoutMs: number
  ) {}

  /** Answers `capability_query` from now on: the request types of this package are registered here, and only here. */
  serve(): void {
    this.c.rpc.handle(capabilityQuery, capabilityQueryHandler(this))
  }

  unserve(): void {
    this.c.rpc.unhandle(capabilityQuery)
  }

  capabilityReply(query: CapabilityQueryMessage): CapabilityReplyMessage {
    const ads = localAgentAds(this.c.runtime)
    const { capability } = query
    return {
      type: 'capability_reply',
      id: query.id,
      agents: capability == null ? ads : ads.filter((a) => a.capabilities.includes(capability)),
      features: [TASK_TARGET_FEATURE]
    }
  }

  /** Learns a peer's agents by asking it directly. */
  async queryPeer(peerId: string, timeoutMs: number): Promise<AgentAd[] | undefined> {
    const started = performance.now()
    try {
      const reply = await this.c.rpc.request(capabilityQuery, peerIdFromString(peerId), {}, { timeoutMs })
      this.c.registry.recordLatency(peerId, performance.now() - started)
      return reply.agents
    } catch (err) {
      this.c.log.debug({ remotePeer: peerId, err: (err as Error).message }, 'capability query failed')
      return undefined
    }
  }

  /** Whether `peerId` says it honours task targets; undefined when it did not answer. */
  async honoursTargets(peerId: string, deadline: number): Promise<boolean | undefined> {
    try {
      const reply = await this.c.rpc.request(
        capabilityQuery,
        peerIdFromString(peerId),
        {},
        { timeoutMs: Math.max(1, Math.min(2000, deadline - Date.now())) }
      )
      return reply.features?.includes(TASK_TARGET_FEATURE) === true
    } catch {
      return undefined
    }
  }

  /** Registry first (a map read); the DHT only when the registry knows nobody. */
  async lookup(capability: string, deadline: number, exclude: Set<string>): Promise<Candidate[]> {
    const found = this.known(capability, exclude)
    if (found.length > 0) return found
    const budget = Math.min(this.dhtLookupTimeoutMs, deadline - Date.now())
    if (budget <= 0) return []
    const providers = (await this.c.providers.findProviders(capability, { timeoutMs: budget })).filter(
      (p) => !exclude.has(p)
    )
    await Promise.all(
      providers.map(async (p) => {
        const agents = await this.queryPeer(p, Math.max(1, Math.min(1000, deadline - Date.now())))
        if (agents != null) this.c.registry.upsertPeer(p, agents, 'dht')
      })
    )
    return this.known(capability, exclude)
  }

  private known(capability: string, exclude: Set<string>): Candidate[] {
    const latency = (p: string): number | undefined => this.c.registry.latency(p)
    return candidatesFrom(this.c.registry.find(capability), latency).filter(
      (c) => c.local || !exclude.has(c.peerId)
    )
  }
}
