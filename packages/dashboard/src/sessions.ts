import { createHash, randomBytes } from 'node:crypto'

export const SESSION_COOKIE = 'mesh_ui'

/**
 * Secrets that expire, kept by their hash so a memory dump or a timing
 * side channel on the map does not give them away. Bounded: past `max`,
 * the oldest goes.
 */
export class ExpiringSecrets {
  private readonly entries = new Map<string, number>()

  constructor(
    private readonly ttlMs: number,
    private readonly max: number
  ) {}

  issue(): { secret: string; expiresAt: number } {
    this.sweep()
    const secret = randomBytes(32).toString('base64url')
    const expiresAt = Date.now() + this.ttlMs
    this.entries.set(digest(secret), expiresAt)
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value
      if (oldest == null) break
      this.entries.delete(oldest)
    }
    return { secret, expiresAt }
  }

  valid(secret: string): boolean {
    const key = digest(secret)
    const expiresAt = this.entries.get(key)
    if (expiresAt == null) return false
    if (expiresAt > Date.now()) return true
    this.entries.delete(key)
    return false
  }

  /** True once per secret: using it removes it. */
  consume(secret: string): boolean {
    const ok = this.valid(secret)
    this.entries.delete(digest(secret))
    return ok
  }

  private sweep(): void {
    const now = Date.now()
    for (const [key, expiresAt] of this.entries) if (expiresAt <= now) this.entries.delete(key)
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

/** The value of one cookie from a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}
