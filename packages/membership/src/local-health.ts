/**
 * Lifeguard's local health ("awareness" in memberlist): how much this node
 * should distrust its own view of others. A node whose event loop runs late
 * misses its own deadlines: its pings time out while their pongs wait in its
 * queue, and the heartbeats it has not read yet look like silence. So each
 * late tick, and each probe that only a helper could complete, raises the
 * score; healthy ticks lower it again. Every timeout the detector applies is
 * stretched by `multiplier()` (the silence before a probe, the probe
 * timeouts, the suspicion timeout): an overloaded node slows its verdicts
 * instead of hanging up on live peers (which, redialled, overload it
 * further). The cap (6: at most 7 times) keeps a truly dead peer's verdict
 * within about 10 s of suspicion at the default timings.
 */
export interface LocalHealthInit {
  /** Highest score; timeouts stretch to at most (max + 1) times. @default 6 */
  maxScore?: number
  /** A tick this much later than planned counts as lag. @default 100 */
  lagThresholdMs?: number
  /** Consecutive on-time ticks that lower the score by one. @default 4 */
  healthyTicksPerStep?: number
}

export class LocalHealth {
  private score_ = 0
  private healthyTicks = 0
  private readonly max: number
  private readonly lagThreshold: number
  private readonly healthyPerStep: number

  constructor(init: LocalHealthInit = {}) {
    this.max = init.maxScore ?? 6
    this.lagThreshold = init.lagThresholdMs ?? 100
    this.healthyPerStep = init.healthyTicksPerStep ?? 4
  }

  /** 0 when healthy, up to maxScore. */
  get score(): number {
    return this.score_
  }

  /** How much to stretch a timeout: 1 when healthy. */
  multiplier(): number {
    return this.score_ + 1
  }

  /** One detector tick, `lagMs` later than planned. */
  tick(lagMs: number): void {
    if (lagMs > this.lagThreshold) {
      this.healthyTicks = 0
      this.raise()
      return
    }
    if (++this.healthyTicks >= this.healthyPerStep) {
      this.healthyTicks = 0
      this.lower()
    }
  }

  /** Evidence that our own deadlines, not the peer, failed (a probe only a helper completed). */
  raise(): void {
    this.score_ = Math.min(this.max, this.score_ + 1)
  }

  lower(): void {
    this.score_ = Math.max(0, this.score_ - 1)
  }
}

/**
 * The suspicion timeout for a mesh of `members` (including this node), as
 * memberlist scales it: the base times log10 of the member count, never
 * less than the base. Gossip about a refutation takes O(log N) rounds to
 * arrive, so a larger mesh waits longer before a suspect is dead.
 */
export function suspicionTimeoutFor(baseMs: number, members: number): number {
  return Math.round(baseMs * Math.max(1, Math.log10(Math.max(1, members))))
}
