import type { PeerStore } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { StateGossip } from '@mesh-node/state-gossip'
import type { Logger } from 'pino'
import type { FailureDetector } from './failure-detector.js'
import type { CapabilityRegistry } from './registry.js'

export interface DepartedInit {
  /**
   * How long a dead member is kept before it is purged from the member
   * table and the peer store; also how long a stored peer this node holds
   * neither a connection to nor a member for is kept. @default 600000
   */
  purgeAfterMs?: number
  /**
   * Members held at most, and stored peers without a connection or member:
   * past it the longest gone are purged first, whatever `purgeAfterMs`. @default 1024
   */
  maxMembers?: number
  /** Peer ids never purged (the configured bootstrap peers). */
  keep?: string[]
}

export interface DepartedComponents {
  failureDetector: Pick<FailureDetector, 'members' | 'state' | 'forget'>
  registry: Pick<CapabilityRegistry, 'removePeer'>
  gossip: Pick<StateGossip, 'forget'>
  peerStore: Pick<PeerStore, 'all' | 'delete'>
  isConnected: (peerId: string) => boolean
  selfPeerId: string
  log: Logger
  now?: () => number
}

export const DEFAULT_PURGE_AFTER_MS = 600_000
export const DEFAULT_MAX_MEMBERS = 1024

/**
 * Purges departed identities. Every identity that ever connected gets a
 * member entry and a peer-store record (persisted, and dialled by the
 * rejoiner on every sweep); without a bound, a peer that connects under 300
 * throw-away identities and leaves keeps 300 of each forever. A dead member
 * goes after `purgeAfterMs`; a stored peer nobody is connected to and that
 * is no member (a restart's leftovers) goes after as long unseen. Bootstrap
 * peers stay. Its version stays behind as a gossip tombstone, so a replay of
 * its old state cannot bring it back.
 */
export class DepartedPurge {
  private readonly purgeAfterMs: number
  private readonly maxMembers: number
  private readonly keep: Set<string>
  private readonly now: () => number
  /** Stored peers seen without connection or member, and since when (bounded by the store's own size). */
  private readonly absentSince = new Map<string, number>()
  private timer?: NodeJS.Timeout
  private sweeping = false

  constructor(
    private readonly c: DepartedComponents,
    init: DepartedInit = {}
  ) {
    this.purgeAfterMs = init.purgeAfterMs ?? DEFAULT_PURGE_AFTER_MS
    this.maxMembers = init.maxMembers ?? DEFAULT_MAX_MEMBERS
    this.keep = new Set(init.keep ?? [])
    this.now = c.now ?? Date.now
  }

  start(): void {
    // A quarter of the bound, between 1 s and 30 s: purges land within 25 % of it.
    const every = Math.min(30_000, Math.max(1000, Math.floor(this.purgeAfterMs / 4)))
    this.timer = setInterval(() => {
      this.sweep().catch((err: Error) => this.c.log.debug({ err: err.message }, 'purge sweep failed'))
    }, every)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
  }

  /** One pass over members and the peer store; returns how many identities were purged. */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0
    this.sweeping = true
    try {
      return this.sweepMembers() + (await this.sweepStore())
    } finally {
      this.sweeping = false
    }
  }

  private sweepMembers(): number {
    const now = this.now()
    const members = this.c.failureDetector.members()
    const dead = members
      .filter((m) => m.state === 'dead' && !this.keep.has(m.peerId))
      .sort((a, b) => (a.deadAt ?? 0) - (b.deadAt ?? 0))
    let over = members.length - this.maxMembers
    let purged = 0
    for (const m of dead) {
      if (over <= 0 && now - (m.deadAt ?? now) < this.purgeAfterMs) break
      this.purge(m.peerId, over > 0 ? 'over the member cap' : 'departed')
      over--
      purged++
    }
    return purged
  }

  private purge(peerId: string, reason: string): void {
    this.c.failureDetector.forget(peerId)
    this.c.registry.removePeer(peerId, reason)
    this.c.gossip.forget(peerId)
    this.absentSince.delete(peerId)
    this.c.peerStore.delete(peerIdFromString(peerId)).catch(() => {})
    this.c.log.info({ remotePeer: peerId, reason }, 'departed peer purged')
  }

  private async sweepStore(): Promise<number> {
    const now = this.now()
    const stored = await this.c.peerStore.all()
    const absent: Array<{ id: (typeof stored)[number]['id']; since: number }> = []
    const present = new Set<string>()
    for (const p of stored) {
      const key = p.id.toString()
      present.add(key)
      if (key === this.c.selfPeerId || this.keep.has(key)) continue
      if (this.c.failureDetector.state(key) !== undefined || this.c.isConnected(key)) {
        this.absentSince.delete(key)
        continue
      }
      const since = this.absentSince.get(key) ?? now
      this.absentSince.set(key, since)
      absent.push({ id: p.id, since })
    }
    for (const key of this.absentSince.keys()) if (!present.has(key)) this.absentSince.delete(key)
    absent.sort((a, b) => a.since - b.since)
    let over = absent.length - this.maxMembers
    let purged = 0
    for (const { id, since } of absent) {
      if (over <= 0 && now - since < this.purgeAfterMs) break
      await this.c.peerStore.delete(id).catch(() => {})
      this.absentSince.delete(id.toString())
      over--
      purged++
    }
    if (purged > 0) this.c.log.info({ purged }, 'stored peers without connection or member purged')
    return purged
  }
}
