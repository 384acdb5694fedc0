/**
 * Token buckets per publisher. A flood from one peer empties only its own
 * bucket, so it slows only that peer. The table is bounded: past
 * `maxTracked` publishers the least recently seen one is forgotten (it
 * comes back with a full bucket, which is the safe direction to err).
 */
export class PublishRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxTracked: number
  ) {}

  /** Takes one token for `publisher`; false when its bucket is empty. */
  take(publisher: string, now = Date.now()): boolean {
    const bucket = this.buckets.get(publisher) ?? { tokens: this.burst, at: now }
    this.buckets.delete(publisher)
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond)
    bucket.at = now
    const allowed = bucket.tokens >= 1
    if (allowed) bucket.tokens -= 1
    this.buckets.set(publisher, bucket)
    if (this.buckets.size > this.maxTracked) {
      const oldest = this.buckets.keys().next().value
      if (oldest !== undefined) this.buckets.delete(oldest)
    }
    return allowed
  }
}
