import type { IdentifyResult, Libp2pEvents, Startable, TypedEventTarget } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { AgentRuntime } from '@mesh-node/agents'
import { type CapabilityRegistry, localAgentAds } from '@mesh-node/membership'
import {
  type AgentAd,
  type CapabilityQueryMessage,
  type CapabilityReplyMessage,
  TASK_PROTOCOLS
} from '@mesh-node/protocol'
import type { Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import { DEFAULT_DHT_LOOKUP_TIMEOUT_MS, PEER_QUERY_TIMEOUT_MS } from './constants.js'
import { capabilityQuery, capabilityQueryHandler } from './messages/capability-query.js'
import type { CapabilityProviders } from './providers.js'
import { type Candidate, candidatesFrom } from './strategy.js'
import { TASK_TARGET_FEATURE } from './target.js'

export interface DiscoveryComponents {
  runtime: Pick<AgentRuntime, 'list'>
  registry: CapabilityRegistry
  providers: CapabilityProviders
  rpc: Pick<Rpc, 'request' | 'handle' | 'unhandle'>
  /** The libp2p node's events: a newly identified peer is asked for its agents at once. */
  events?: Pick<TypedEventTarget<Libp2pEvents>, 'addEventListener' | 'removeEventListener'>
  log: Logger
}

export interface DiscoveryInit {
  /** How long a cold lookup may wait on the DHT. @default 1500 */
  dhtLookupTimeoutMs?: number
}

/**
 * Who can run a capability: the registry first (a map read), the DHT only
 * when the registry knows nobody; and this node's side of the same
 * question, the capability_reply.
 */
export class Discovery implements Startable {
  private readonly dhtLookupTimeoutMs: number

  constructor(
    private readonly c: DiscoveryComponents,
    init: DiscoveryInit = {}
  ) {
    this.dhtLookupTimeoutMs = init.dhtLookupTimeoutMs ?? DEFAULT_DHT_LOOKUP_TIMEOUT_MS
  }

  /** Answers `capability_query` from now on: the request types of this package are registered here, and only here. */
  start(): void {
    this.c.rpc.handle(capabilityQuery, capabilityQueryHandler(this))
    this.c.events?.addEventListener('peer:identify', this.onIdentify)
  }

  stop(): void {
    this.c.events?.removeEventListener('peer:identify', this.onIdentify)
    this.c.rpc.unhandle(capabilityQuery)
  }

  /** Asks each new mesh peer for its agents at once, rather than wait for its next state heartbeat. */
  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const { peerId, protocols } = evt.detail
    if (!TASK_PROTOCOLS.some((p) => protocols.includes(p))) return
    const id = peerId.toString()
    void this.queryPeer(id, PEER_QUERY_TIMEOUT_MS).then((agents) => {
      if (agents != null) this.c.registry.upsertPeer(id, agents, 'query')
    })
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

export function discovery(init: DiscoveryInit = {}): (components: DiscoveryComponents) => Discovery {
  return (components) => new Discovery(components, init)
}
