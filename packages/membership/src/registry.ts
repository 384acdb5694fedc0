import { createHash } from 'node:crypto'
import type { AgentRuntime } from '@mesh-node/agents'
import { type AgentAd, boundSchemas, type CapabilitySchemaInfo } from '@mesh-node/protocol'

/** One agent somewhere in the mesh, as this node currently sees it. */
export interface AgentView {
  peerId: string
  agent: string
  capabilities: string[]
  capacity: number
  running: number
  /** running / capacity */
  load: number
  local: boolean
  /** Capability name to its declared schemas, for those that declare any (bounded: boundSchemas). */
  schemas?: Record<string, CapabilitySchemaInfo>
}

export type RegistrySource = 'gossip' | 'query' | 'dht' | 'sync'

export type RegistryEvent =
  | { type: 'agent_joined'; agent: AgentView }
  | { type: 'agent_left'; agent: AgentView; reason: string }
  | { type: 'peer_updated'; peerId: string; source: RegistrySource }

export interface RegistryComponents {
  runtime: Pick<AgentRuntime, 'list'>
  selfPeerId: string
  /** Peers to leave out of lookups for now (suspected by the failure detector). */
  isUnavailable?: (peerId: string) => boolean
  /** Peers the failure detector has declared dead (not merely suspected). */
  isDead?: (peerId: string) => boolean
  /**
   * Peers this node has verified itself: a live direct connection, its own
   * signed gossip or its own capability reply (the failure detector holds
   * it alive). A peer known only from relayed anti-entropy state is not.
   */
  isVerified?: (peerId: string) => boolean
  /** A peer dropped for want of news within the TTL (so its second-hand state can be let go too). */
  onExpired?: (peerId: string) => void
  now?: () => number
}

export interface RegistryInit {
  /** How long a remote peer's agents stay listed without news of them. @default 10000 */
  ttlMs?: number
}

export interface CapabilityRegistry {
  /** Records what a peer announced; replaces its previous list. */
  upsertPeer(peerId: string, agents: AgentAd[], source: RegistrySource): void
  removePeer(peerId: string, reason: string): void
  /** Every agent with the capability, local ones included. Synchronous: a warm lookup is a map read. */
  find(capability: string): AgentView[]
  all(): AgentView[]
  /** False while the failure detector suspects the peer or holds it dead. */
  isAvailable(peerId: string): boolean
  /** True once the failure detector has declared the peer dead; a suspected peer is not. */
  isDead?(peerId: string): boolean
  /**
   * True for this node and for peers it verified itself (connected, or heard
   * first-hand); false for one known only from relayed state (§7.2), which a
   * member can mint. Rounds ask only verified peers.
   */
  isVerified?(peerId: string): boolean
  recordLatency(peerId: string, ms: number): void
  latency(peerId: string): number | undefined
  /**
   * A fingerprint of membership and capabilities (not load, which moves all
   * the time): equal on every node once the mesh state has converged.
   */
  digest(): string
  /** Drops peers not heard from within the TTL; returns how many. */
  expire(): number
  onEvent(listener: (event: RegistryEvent) => void): () => void
}

interface PeerEntry {
  agents: AgentView[]
  expiresAt: number
  source: RegistrySource
}

/** This node's agents as it announces them (state gossip, capability replies). */
export function localAgentAds(runtime: Pick<AgentRuntime, 'list'>): AgentAd[] {
  return boundSchemas(
    runtime.list().map((a) => ({
      agent: a.name,
      capabilities: a.capabilities,
      capacity: a.capacity,
      running: a.running,
      ...(a.schemas !== undefined ? { schemas: a.schemas } : {})
    }))
  )
}

const toView = (peerId: string, ad: AgentAd, local: boolean): AgentView => ({
  peerId,
  agent: ad.agent,
  capabilities: ad.capabilities,
  capacity: ad.capacity,
  running: ad.running,
  load: ad.capacity > 0 ? ad.running / ad.capacity : 1,
  local,
  ...(ad.schemas !== undefined ? { schemas: ad.schemas } : {})
})

class DefaultRegistry implements CapabilityRegistry {
  private readonly peers = new Map<string, PeerEntry>()
  /** capability -> peers advertising it, so find() touches only relevant entries. */
  private readonly byCapability = new Map<string, Set<string>>()
  private readonly latencies = new Map<string, number>()
  private readonly listeners = new Set<(event: RegistryEvent) => void>()
  private readonly ttlMs: number
  private readonly now: () => number

  constructor(
    private readonly components: RegistryComponents,
    init: RegistryInit
  ) {
    this.ttlMs = init.ttlMs ?? 10_000
    this.now = components.now ?? Date.now
  }

  upsertPeer(peerId: string, ads: AgentAd[], source: RegistrySource): void {
    if (peerId === this.components.selfPeerId) return
    const previous = this.peers.get(peerId)
    // A peer's schemas over the bounds are left out; its agents stay, untyped.
    const agents = boundSchemas(ads).map((ad) => toView(peerId, ad, false))
    this.unindex(peerId, previous)
    this.peers.set(peerId, { agents, expiresAt: this.now() + this.ttlMs, source })
    for (const a of agents)
      for (const cap of a.capabilities) {
        const set = this.byCapability.get(cap) ?? new Set<string>()
        set.add(peerId)
        this.byCapability.set(cap, set)
      }
    const before = new Map((previous?.agents ?? []).map((a) => [a.agent, a]))
    for (const a of agents) if (!before.has(a.agent)) this.emit({ type: 'agent_joined', agent: a })
    const now = new Set(agents.map((a) => a.agent))
    for (const a of previous?.agents ?? [])
      if (!now.has(a.agent)) this.emit({ type: 'agent_left', agent: a, reason: 'no longer announced' })
    this.emit({ type: 'peer_updated', peerId, source })
  }

  removePeer(peerId: string, reason: string): void {
    const entry = this.peers.get(peerId)
    if (entry == null) return
    this.unindex(peerId, entry)
    this.peers.delete(peerId)
    for (const a of entry.agents) this.emit({ type: 'agent_left', agent: a, reason })
  }

  find(capability: string): AgentView[] {
    const out = this.localViews().filter((a) => a.capabilities.includes(capability))
    const now = this.now()
    for (const peerId of this.byCapability.get(capability) ?? []) {
      const entry = this.peers.get(peerId)
      if (entry == null || entry.expiresAt < now || this.components.isUnavailable?.(peerId) === true) continue
      for (const a of entry.agents) if (a.capabilities.includes(capability)) out.push(a)
    }
    return out
  }

  all(): AgentView[] {
    const now = this.now()
    const remote = [...this.peers.entries()]
      .filter(([peerId, e]) => e.expiresAt >= now && this.components.isUnavailable?.(peerId) !== true)
      .flatMap(([, e]) => e.agents)
    return [...this.localViews(), ...remote]
  }

  private localViews(): AgentView[] {
    return this.components.runtime.list().map((a) => ({
      peerId: this.components.selfPeerId,
      agent: a.name,
      capabilities: a.capabilities,
      capacity: a.capacity,
      running: a.running,
      load: a.load,
      local: true,
      ...(a.schemas !== undefined ? { schemas: a.schemas } : {})
    }))
  }

  isAvailable(peerId: string): boolean {
    return this.components.isUnavailable?.(peerId) !== true
  }

  isDead(peerId: string): boolean {
    return this.components.isDead?.(peerId) === true
  }

  isVerified(peerId: string): boolean {
    return peerId === this.components.selfPeerId || this.components.isVerified?.(peerId) !== false
  }

  recordLatency(peerId: string, ms: number): void {
    const prev = this.latencies.get(peerId)
    // EWMA: steady against one slow sample, quick to follow a real change.
    this.latencies.set(peerId, prev == null ? ms : prev * 0.7 + ms * 0.3)
  }

  latency(peerId: string): number | undefined {
    return this.latencies.get(peerId)
  }

  digest(): string {
    const lines = this.all()
      .map((a) => `${a.peerId}/${a.agent}/${[...a.capabilities].sort().join(',')}/${a.capacity}`)
      .sort()
    return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16)
  }

  expire(): number {
    const now = this.now()
    let n = 0
    for (const [peerId, entry] of this.peers) {
      if (entry.expiresAt < now) {
        this.removePeer(peerId, 'expired')
        this.components.onExpired?.(peerId)
        n++
      }
    }
    return n
  }

  onEvent(listener: (event: RegistryEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private unindex(peerId: string, entry: PeerEntry | undefined): void {
    for (const a of entry?.agents ?? [])
      for (const cap of a.capabilities) {
        const set = this.byCapability.get(cap)
        set?.delete(peerId)
        if (set?.size === 0) this.byCapability.delete(cap)
      }
  }

  private emit(event: RegistryEvent): void {
    for (const l of this.listeners) {
      try {
        l(event)
      } catch {
        /* a listener's bug must not break the registry */
      }
    }
  }
}

export function createRegistry(components: RegistryComponents, init: RegistryInit = {}): CapabilityRegistry {
  return new DefaultRegistry(components, init)
}
