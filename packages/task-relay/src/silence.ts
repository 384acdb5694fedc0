/** Shortest time one attempt on a peer gets before the origin may try another. */
export const ATTEMPT_TIMEOUT_FLOOR_MS = 2_000
/** Without an earlier answer to go by, an attempt gets this share of the time left. */
export const ATTEMPT_SHARE_OF_DEADLINE = 1 / 3
/** An attempt may take this many times the slowest answer seen from that peer for the capability. */
export const ATTEMPT_LATENCY_FACTOR = 4
/** How long a peer that let an attempt time out is tried only after every other candidate. */
export const SILENCE_PENALTY_MS = 60_000
/** Peers (and capabilities per peer) remembered, so a flood of identities cannot grow the tables. */
const MAX_TRACKED = 4_096

/**
 * Per-attempt timeouts and the penalty for silence. An attempt on a peer
 * gets the larger of a floor, a share of the time left, and a multiple of
 * the slowest answer seen from it, never more than the time left; the last
 * candidate gets all of it. A peer that lets an attempt time out goes to the
 * back of every candidate list for a while, until it answers again.
 */
export class SilentPeers {
  private readonly slowest = new Map<string, number>()
  private readonly silentUntil = new Map<string, number>()

  /**
   * How long to wait for this peer's answer to this task. `hops`: how far
   * this node is from the origin; each hop further in gets a smaller floor
   * and share, so a forwarder gives up on a silent peer before the node
   * that sent it the task gives up on the forwarder.
   */
  attemptTimeout(peerId: string, capability: string, remainingMs: number, last: boolean, hops = 0): number {
    if (last) return remainingMs
    const seen = this.slowest.get(key(peerId, capability)) ?? 0
    const inner = 1 / (hops + 1)
    const budget = Math.max(
      ATTEMPT_TIMEOUT_FLOOR_MS * inner,
      remainingMs * ATTEMPT_SHARE_OF_DEADLINE * inner,
      seen * ATTEMPT_LATENCY_FACTOR
    )
    return Math.min(remainingMs, Math.ceil(budget))
  }

  /** The peer answered (any status) after `ms`: it is not silent. */
  answered(peerId: string, capability: string, ms: number): void {
    const k = key(peerId, capability)
    bounded(this.slowest, k, Math.max(ms, this.slowest.get(k) ?? 0))
    this.silentUntil.delete(peerId)
  }

  /** The peer let an attempt time out. */
  silent(peerId: string): void {
    bounded(this.silentUntil, peerId, Date.now() + SILENCE_PENALTY_MS)
  }

  isPenalised(peerId: string): boolean {
    const until = this.silentUntil.get(peerId)
    if (until == null) return false
    if (until > Date.now()) return true
    this.silentUntil.delete(peerId)
    return false
  }
}

const key = (peerId: string, capability: string): string => `${peerId}\n${capability}`

/** Sets a value, evicting the oldest entry past MAX_TRACKED. */
function bounded(map: Map<string, number>, k: string, v: number): void {
  map.delete(k)
  map.set(k, v)
  if (map.size > MAX_TRACKED) map.delete(map.keys().next().value as string)
}
