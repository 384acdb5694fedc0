import { MAX_RELAYED_PEERS_PER_SOURCE } from '@mesh-node/protocol'

/**
 * Which anti-entropy partner first told this node of a peer it has not heard
 * from itself. Each partner may introduce only so many such peers: a member
 * that mints identities (each signing its own state) can fill at most its
 * share of the table, not all of it.
 */
export class RelayedStates {
  private readonly introducedBy = new Map<string, string>()
  private readonly counts = new Map<string, number>()

  constructor(private readonly perSource = MAX_RELAYED_PEERS_PER_SOURCE) {}

  /** Whether `source` may tell of `peerId` (already known through it, or under its share). */
  allows(peerId: string, source: string): boolean {
    if (this.introducedBy.has(peerId)) return true
    return (this.counts.get(source) ?? 0) < this.perSource
  }

  introduce(peerId: string, source: string): void {
    if (this.introducedBy.has(peerId)) return
    this.introducedBy.set(peerId, source)
    this.counts.set(source, (this.counts.get(source) ?? 0) + 1)
  }

  /** The peer was heard from first-hand, or forgotten: it no longer counts against anyone. */
  release(peerId: string): void {
    const source = this.introducedBy.get(peerId)
    if (source == null) return
    this.introducedBy.delete(peerId)
    const left = (this.counts.get(source) ?? 1) - 1
    if (left <= 0) this.counts.delete(source)
    else this.counts.set(source, left)
  }

  isRelayedOnly(peerId: string): boolean {
    return this.introducedBy.has(peerId)
  }
}
