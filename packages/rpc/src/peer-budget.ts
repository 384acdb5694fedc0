/** What one remote peer may have in flight at this node, over all its sessions. */
export interface PeerBudgetLimits {
  requests: number
  bytes: number
}

/**
 * Per-peer inbound budgets. One peer's flood must slow only that peer: past
 * its budget its requests are refused (`too_many_requests`) while every other
 * peer's go on. A peer's entry exists only while it has requests in flight,
 * so the table is bounded by the peers actually talking to this node.
 */
export class PeerBudgets {
  private readonly used = new Map<string, { requests: number; bytes: number }>()

  constructor(readonly limits: PeerBudgetLimits) {}

  /** Reserves room for one request of `bytes`; false (nothing reserved) when over budget. */
  take(peer: string, bytes: number): boolean {
    const entry = this.used.get(peer) ?? { requests: 0, bytes: 0 }
    if (entry.requests + 1 > this.limits.requests || entry.bytes + bytes > this.limits.bytes) return false
    entry.requests++
    entry.bytes += bytes
    this.used.set(peer, entry)
    return true
  }

  release(peer: string, bytes: number): void {
    const entry = this.used.get(peer)
    if (entry == null) return
    entry.requests--
    entry.bytes -= bytes
    if (entry.requests <= 0) this.used.delete(peer)
  }

  /** Requests in flight from `peer` (for tests and logs). */
  inflight(peer: string): number {
    return this.used.get(peer)?.requests ?? 0
  }
}
