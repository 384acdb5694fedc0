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

  /** Starts the timeout of one attempt on `peerId`; `last`: no candidate comes after it. */
  startAttempt(peerId: string, task: AttemptTask, last: boolean): AttemptTimer {
    const remaining = task.deadline - Date.now()
    const budget = this.attemptTimeout(peerId, task.capability, remaining, last, task.hops)
    const controller = new AbortController()
    let fired = false
    const timer =
      budget < remaining
        ? setTimeout(() => {
            fired = true
            controller.abort(new Error('attempt timeout'))
          }, budget)
        : undefined
    const clear = (): void => clearTimeout(timer)
    let executor: string | undefined
    return {
      signal: task.signal != null ? AbortSignal.any([task.signal, controller.signal]) : controller.signal,
      confirmed: (by) => {
        executor = by
        clear()
      },
      clear,
      timedOut: () => fired,
      confirmedBy: () => executor
    }
  }

  isPenalised(peerId: string): boolean {
    const until = this.silentUntil.get(peerId)
    if (until == null) return false
    if (until > Date.now()) return true
    this.silentUntil.delete(peerId)
    return false
  }
}

/**
 * One attempt's own timeout, which aborts the request to the peer; it stops
 * once the peer confirms that it runs the task, so a slow peer gets the
 * task's deadline, and only a silent one is given up on.
 */
export interface AttemptTimer {
  /** The task's signal (when it has one) and the attempt's timeout, together. */
  readonly signal: AbortSignal
  /** The peer confirmed, naming the executor that runs the task: the timeout stops. */
  confirmed(executor: string): void
  clear(): void
  timedOut(): boolean
  /** The executor the peer's confirmation named, once it came. */
  confirmedBy(): string | undefined
}

export interface AttemptTask {
  capability: string
  deadline: number
  hops: number
  signal?: AbortSignal
}

const key = (peerId: string, capability: string): string => `${peerId}\n${capability}`

/** Sets a value, evicting the oldest entry past MAX_TRACKED. */
function bounded(map: Map<string, number>, k: string, v: number): void {
  map.delete(k)
  map.set(k, v)
  if (map.size > MAX_TRACKED) map.delete(map.keys().next().value as string)
}
