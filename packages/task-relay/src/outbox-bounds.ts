/** Bounds of the outbox: what an executor keeps for origins it cannot reach, and for how long. */
export interface OutboxBounds {
  /** Held results in all. @default 1024 */
  maxEntries?: number
  /** Bytes of held results in all (their JSON). @default 64 MiB */
  maxBytes?: number
  /** Bytes held for one origin. @default 16 MiB */
  maxBytesPerOrigin?: number
  /** Give up on a result this long after it was first held. @default 1 h */
  maxAgeMs?: number
  /** Give up after this many failed deliveries. @default 24 */
  maxAttempts?: number
  /** Deliveries under way at once. @default 4 */
  maxInflight?: number
  /** Bytes of deliveries under way at once. @default 8 MiB */
  maxInflightBytes?: number
}

export const OUTBOX_DEFAULTS: Required<OutboxBounds> = {
  maxEntries: 1024,
  maxBytes: 64 * 1024 * 1024,
  maxBytesPerOrigin: 16 * 1024 * 1024,
  maxAgeMs: 60 * 60_000,
  maxAttempts: 24,
  maxInflight: 4,
  maxInflightBytes: 8 * 1024 * 1024
}

interface Held {
  origin: string
  bytes: number
  heldAt: number
}

/**
 * The outbox's books: size, age and origin of every held result, without
 * the results themselves, so bounds are checked in memory and the store is
 * read only to deliver. Past a bound the oldest entry is given up (the
 * origin's oldest when one origin holds too much): a flood of results for
 * origins that never come back evicts itself, and costs bounded memory and
 * disk.
 */
export class OutboxLedger {
  private readonly held = new Map<string, Held>()
  private readonly byOrigin = new Map<string, number>()
  private total = 0

  constructor(private readonly bounds: Required<OutboxBounds>) {}

  /** Records a new (or replaced) entry; returns the task ids to give up to stay within bounds. */
  admit(taskId: string, origin: string, bytes: number, now: number): string[] {
    this.remove(taskId)
    this.held.set(taskId, { origin, bytes, heldAt: now })
    this.total += bytes
    this.byOrigin.set(origin, (this.byOrigin.get(origin) ?? 0) + bytes)
    const evicted: string[] = []
    const evictOldest = (match: (h: Held) => boolean): boolean => {
      for (const [id, h] of this.held) {
        if (!match(h)) continue
        this.remove(id)
        evicted.push(id)
        return true
      }
      return false
    }
    while ((this.byOrigin.get(origin) ?? 0) > this.bounds.maxBytesPerOrigin && this.held.size > 1)
      if (!evictOldest((h) => h.origin === origin)) break
    while (
      (this.held.size > this.bounds.maxEntries || this.total > this.bounds.maxBytes) &&
      this.held.size > 1
    )
      if (!evictOldest(() => true)) break
    return evicted
  }

  remove(taskId: string): void {
    const h = this.held.get(taskId)
    if (h == null) return
    this.held.delete(taskId)
    this.total -= h.bytes
    const left = (this.byOrigin.get(h.origin) ?? 0) - h.bytes
    if (left <= 0) this.byOrigin.delete(h.origin)
    else this.byOrigin.set(h.origin, left)
  }

  /** Entries held longer than the age bound. */
  expired(now: number): string[] {
    const out: string[] = []
    for (const [id, h] of this.held) if (now - h.heldAt > this.bounds.maxAgeMs) out.push(id)
    return out
  }

  bytesOf(taskId: string): number {
    return this.held.get(taskId)?.bytes ?? 0
  }

  stats(): { entries: number; bytes: number } {
    return { entries: this.held.size, bytes: this.total }
  }
}
