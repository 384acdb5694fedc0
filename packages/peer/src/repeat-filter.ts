import {
  type PeerDiscovery,
  type PeerDiscoveryEvents,
  type PeerInfo,
  peerDiscoverySymbol,
  type Startable,
  serviceCapabilities
} from '@libp2p/interface'

/**
 * Passes on a discovery service's `peer` events, except a repeat of what it
 * said about that peer a moment ago.
 *
 * mDNS answers every query by multicast, so on one LAN every node hears
 * every node's answer to every node's query: N² `peer` events per query
 * interval per node, each a peer-store merge (a read and a write of the
 * SQLite datastore). Measured at 20 nodes: about 10 % of an idle node's CPU.
 * What matters in them is news: a new peer, or a known one at new
 * addresses (a restart on a new port). Identical repeats are dropped; one
 * still goes through every `refreshMs`, so a peer-store entry removed
 * meanwhile comes back.
 */
export interface RepeatFilterInit {
  /** An unchanged announcement of a peer passes at most this often. @default 60000 */
  refreshMs?: number
  /** Peers remembered; past it the least recently announced are forgotten. @default 4096 */
  maxTracked?: number
}

type DiscoveryService = PeerDiscovery & Partial<Startable>

/** mDNS hands on the same parsed answer again and again: its address list is joined once. */
const joined = new WeakMap<PeerInfo['multiaddrs'], string>()

function addressesOf(multiaddrs: PeerInfo['multiaddrs']): string {
  let text = joined.get(multiaddrs)
  if (text === undefined) {
    text = multiaddrs
      .map((ma) => ma.toString())
      .sort()
      .join(' ')
    joined.set(multiaddrs, text)
  }
  return text
}

export class RepeatFilter extends EventTarget implements PeerDiscovery, Startable {
  /** peer id -> the addresses it was last passed on with, and when */
  private readonly last = new Map<string, { addrs: string; at: number }>()
  private readonly counts = new Map<string, number>()
  private readonly refreshMs: number
  private readonly maxTracked: number
  readonly [peerDiscoverySymbol] = this
  readonly [serviceCapabilities] = ['@libp2p/peer-discovery']
  readonly [Symbol.toStringTag] = '@mesh-node/repeat-filter'

  private readonly onPeer = (evt: CustomEvent<PeerInfo>): void => {
    const id = evt.detail.id.toString()
    const addrs = addressesOf(evt.detail.multiaddrs)
    const now = Date.now()
    const before = this.last.get(id)
    if (before != null && before.addrs === addrs && now - before.at < this.refreshMs) return
    this.last.delete(id)
    this.last.set(id, { addrs, at: now })
    if (this.last.size > this.maxTracked) this.last.delete(this.last.keys().next().value as string)
    this.dispatchEvent(new CustomEvent('peer', { detail: evt.detail }))
  }

  constructor(
    private readonly inner: DiscoveryService,
    init: RepeatFilterInit = {}
  ) {
    super()
    this.refreshMs = init.refreshMs ?? 60_000
    this.maxTracked = init.maxTracked ?? 4096
  }

  async start(): Promise<void> {
    this.inner.addEventListener('peer', this.onPeer)
    await this.inner.start?.()
  }

  async stop(): Promise<void> {
    this.inner.removeEventListener('peer', this.onPeer)
    await this.inner.stop?.()
    this.last.clear()
  }

  // The rest of libp2p's TypedEventTarget, which EventTarget lacks.
  listenerCount(type: string): number {
    return this.counts.get(type) ?? 0
  }

  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    super.addEventListener(...args)
    this.counts.set(args[0], this.listenerCount(args[0]) + 1)
  }

  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    super.removeEventListener(...args)
    this.counts.set(args[0], Math.max(0, this.listenerCount(args[0]) - 1))
  }

  safeDispatchEvent<Detail>(type: keyof PeerDiscoveryEvents, detail?: { detail?: Detail }): boolean {
    return this.dispatchEvent(new CustomEvent<Detail>(type, detail))
  }
}

/** Wraps a discovery service factory (as libp2p's `peerDiscovery` takes them) in a RepeatFilter. */
export function withoutRepeats<C>(
  factory: (components: C) => DiscoveryService,
  init?: RepeatFilterInit
): (components: C) => RepeatFilter {
  return (components) => new RepeatFilter(factory(components), init)
}
