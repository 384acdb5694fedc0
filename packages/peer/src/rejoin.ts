import type { Libp2p, Peer, PeerId, PeerUpdate } from '@libp2p/interface'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'

/**
 * Keeps a node connected to every peer it knows of.
 *
 * libp2p fires `peer:discovery` only for a peer that is new to the (here
 * persisted) peer store, so a known peer that comes back on a new port or
 * address raises nothing: mDNS merges its new addresses in silence. So this
 * dials on any of: a discovery, a peer-store update that brings an address
 * not seen before, a disconnect, and a periodic sweep of the peer store (which
 * also covers the start, when every known peer is tried at its last addresses).
 * Dials are bounded in parallelism, and a peer that keeps failing backs off
 * exponentially until it shows a new address.
 */
export interface RejoinInit {
  /** Dials in flight at once. @default 8 */
  maxParallelDials?: number
  /** Delay before the first retry of a failed peer; doubles per failure. @default 1000 */
  minBackoffMs?: number
  /** @default 30000 */
  maxBackoffMs?: number
  /** How often the peer store is swept for peers that are due. @default 2000 */
  sweepIntervalMs?: number
  /** Peers whose backoff is remembered; beyond it the oldest are forgotten. @default 4096 */
  maxTracked?: number
  /** Peers looked at per sweep. @default 1024 */
  maxSweep?: number
  /** Per-dial timeout. @default 5000 */
  dialTimeoutMs?: number
  onDialError?: (peer: PeerId, err: Error) => void
}

interface Backoff {
  failures: number
  nextAt: number
}

interface Dial {
  controller: AbortController
  /** Addresses that showed up while this dial ran: dialled next, at once. */
  fresh?: Multiaddr[]
}

/** Forgets the oldest entries of a map whose insertion order is its age order. */
function touch<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > max) map.delete(map.keys().next().value as string)
}

export class Rejoiner {
  private readonly backoff = new Map<string, Backoff>()
  // The addresses each peer had when last looked at. A peer-store update's
  // own `previous` cannot tell what is new: the store mutates it in place.
  private readonly seen = new Map<string, Set<string>>()
  /** Peers to dial, with the only addresses to try (all known ones when absent). */
  private readonly queued = new Map<string, { id: PeerId; addrs?: Multiaddr[] }>()
  private readonly dialing = new Map<string, Dial>()
  private timer: NodeJS.Timeout | undefined
  private sweeping = false
  private running = false

  constructor(
    private readonly node: Libp2p,
    private readonly init: RejoinInit = {}
  ) {}

  start(): void {
    this.running = true
    this.node.addEventListener('peer:discovery', this.onDiscovery)
    this.node.addEventListener('peer:update', this.onUpdate)
    this.node.addEventListener('peer:disconnect', this.onDisconnect)
    const tick = (): void => {
      this.sweep().catch(() => {})
    }
    tick()
    this.timer = setInterval(tick, this.init.sweepIntervalMs ?? 2000)
    this.timer.unref()
  }

  stop(): void {
    this.running = false
    clearInterval(this.timer)
    this.node.removeEventListener('peer:discovery', this.onDiscovery)
    this.node.removeEventListener('peer:update', this.onUpdate)
    this.node.removeEventListener('peer:disconnect', this.onDisconnect)
    this.queued.clear()
    for (const dial of this.dialing.values()) dial.controller.abort()
  }

  private readonly onDiscovery = (evt: CustomEvent<{ id: PeerId }>): void => this.want(evt.detail.id)
  private readonly onUpdate = (evt: CustomEvent<PeerUpdate>): void => {
    const fresh = this.remember(evt.detail.peer)
    if (fresh.length > 0) this.want(evt.detail.peer.id, fresh)
  }
  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => this.want(evt.detail, undefined, false)

  private connected(id: PeerId): boolean {
    return this.node.getConnections(id).length > 0
  }

  /** Records `peer`'s addresses and returns those not seen before. */
  private remember(peer: Peer): Multiaddr[] {
    const key = peer.id.toString()
    const before = this.seen.get(key)
    const addrs = new Map(
      peer.addresses.map((a) => [a.multiaddr.toString().replace(`/p2p/${key}`, ''), a.multiaddr])
    )
    touch(this.seen, key, new Set(addrs.keys()), this.init.maxTracked ?? 4096)
    return [...addrs].filter(([s]) => before != null && !before.has(s)).map(([, ma]) => ma)
  }

  /**
   * Dials `id` unless it is connected or backing off. `fresh`: new addresses,
   * dialled at once even mid-dial (an old address can take seconds to fail).
   * A discovery or new address also clears the backoff; a disconnect does not.
   */
  private want(id: PeerId, fresh?: Multiaddr[], clearsBackoff = true): void {
    if (!this.running || id.equals(this.node.peerId) || this.connected(id)) return
    const key = id.toString()
    if (clearsBackoff) this.backoff.delete(key)
    const running = this.dialing.get(key)
    if (running != null) {
      if (fresh == null) return
      running.fresh = [...(running.fresh ?? []), ...fresh]
      running.controller.abort()
      return
    }
    if ((this.backoff.get(key)?.nextAt ?? 0) > Date.now() || this.queued.has(key)) return
    this.queued.set(key, { id, addrs: fresh })
    this.pump()
  }

  private pump(): void {
    for (const [key, { id, addrs }] of this.queued) {
      if (!this.running || this.dialing.size >= (this.init.maxParallelDials ?? 8)) return
      this.queued.delete(key)
      if (!this.connected(id)) this.dial(key, id, addrs)
    }
  }

  private dial(key: string, id: PeerId, addrs: Multiaddr[] | undefined): void {
    const dial: Dial = { controller: new AbortController() }
    this.dialing.set(key, dial)
    const signal = AbortSignal.any([
      dial.controller.signal,
      AbortSignal.timeout(this.init.dialTimeoutMs ?? 5000)
    ])
    const target = addrs != null && addrs.length > 0 ? addrs.map((ma) => withPeer(ma, key)) : id
    this.node
      .dial(target, { signal })
      .then(() => this.backoff.delete(key))
      .catch((err: Error) => {
        if (dial.fresh != null) return // superseded by new addresses, not a failure of the peer
        const failures = (this.backoff.get(key)?.failures ?? 0) + 1
        const delay = Math.min(
          this.init.maxBackoffMs ?? 30_000,
          (this.init.minBackoffMs ?? 1000) * 2 ** (failures - 1)
        )
        touch(this.backoff, key, { failures, nextAt: Date.now() + delay }, this.init.maxTracked ?? 4096)
        this.init.onDialError?.(id, err)
      })
      .finally(() => {
        const fresh = dial.fresh
        if (fresh == null || !this.running) {
          this.dialing.delete(key)
          this.pump()
          return
        }
        // libp2p's dial queue drops the aborted job a few microtasks after our
        // promise settles; a dial issued before that would join the dying job.
        setTimeout(() => {
          this.dialing.delete(key)
          if (this.running) this.queued.set(key, { id, addrs: fresh })
          this.pump()
        }, 10)
      })
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return
    this.sweeping = true
    try {
      const peers = await this.node.peerStore.all({
        filters: [(p: Peer) => p.addresses.length > 0 && !p.id.equals(this.node.peerId)],
        limit: this.init.maxSweep ?? 1024
      })
      for (const p of peers) {
        this.remember(p)
        this.want(p.id, undefined, false)
      }
    } finally {
      this.sweeping = false
    }
  }
}

function withPeer(ma: Multiaddr, peer: string): Multiaddr {
  return ma.toString().includes('/p2p/') ? ma : multiaddr(`${ma.toString()}/p2p/${peer}`)
}
