import { MAX_PENDING_PEERS_PER_FORWARDER } from '@mesh-node/protocol'

/** Most peers pending in all: past it, every forwarder's list is swept before anything is refused. */
const MAX_PENDING = 4096

/**
 * Which gossipsub forwarder first brought this node gossip of a peer it has
 * not verified yet. Gossip is signed by its subject, but a member can mint
 * identities at will and forward their states; those never answer a probe.
 * Each forwarder may have only so many peers pending at once, so one member
 * can keep at most its share of unverified peers in the table, and news of
 * honest peers through others still gets in. A peer stops pending once the
 * failure detector verified it, or it was declared dead and forgotten.
 */
export class PendingIntroductions {
  private readonly byForwarder = new Map<string, Set<string>>()
  private readonly forwarderOf = new Map<string, { forwarder: string; at: number }>()

  constructor(
    /** Whether a peer admitted `sinceMs` ago still waits to be verified (neither verified nor given up on). */
    private readonly isPending: (peerId: string, sinceMs: number) => boolean,
    private readonly perForwarder = MAX_PENDING_PEERS_PER_FORWARDER
  ) {}

  /** Whether gossip of `peerId` forwarded by `forwarder` may be taken; records it if so. */
  admit(peerId: string, forwarder: string): boolean {
    if (this.forwarderOf.has(peerId)) return true
    if (this.forwarderOf.size >= MAX_PENDING) for (const f of this.byForwarder.keys()) this.sweep(f)
    let pending = this.byForwarder.get(forwarder)
    if (pending != null && pending.size >= this.perForwarder) this.sweep(forwarder)
    pending = this.byForwarder.get(forwarder)
    if ((pending?.size ?? 0) >= this.perForwarder || this.forwarderOf.size >= MAX_PENDING) return false
    if (pending == null) {
      pending = new Set()
      this.byForwarder.set(forwarder, pending)
    }
    pending.add(peerId)
    this.forwarderOf.set(peerId, { forwarder, at: Date.now() })
    return true
  }

  /** The peer no longer counts against its forwarder (verified, or forgotten). */
  release(peerId: string): void {
    const forwarder = this.forwarderOf.get(peerId)?.forwarder
    if (forwarder == null) return
    this.forwarderOf.delete(peerId)
    const pending = this.byForwarder.get(forwarder)
    pending?.delete(peerId)
    if (pending?.size === 0) this.byForwarder.delete(forwarder)
  }

  /** How many peers a forwarder has pending (for tests and metrics). */
  pendingThrough(forwarder: string): number {
    return this.byForwarder.get(forwarder)?.size ?? 0
  }

  private sweep(forwarder: string): void {
    const now = Date.now()
    for (const peerId of this.byForwarder.get(forwarder) ?? []) {
      const at = this.forwarderOf.get(peerId)?.at ?? now
      if (!this.isPending(peerId, now - at)) this.release(peerId)
    }
  }
}
