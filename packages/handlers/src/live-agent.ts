import type { CapabilitySchemas } from './spec.js'

/**
 * An agent whose capabilities come from a service it is connected to (an MCP
 * server's tools). While the service is away it offers nothing, and the
 * runtime leaves it out of `list()`, so the mesh sees the agent leave; when
 * the service is back, the agent rejoins with whatever it offers then.
 */
export interface LiveAgent {
  /** Capabilities offered now; empty while the backing service is unreachable. */
  capabilities(): string[]
  /** Capability name to what it declares (from the service's own tool or skill schemas). */
  schemas(): Record<string, CapabilitySchemas>
  /** Called whenever `capabilities()` may have changed; returns an unsubscribe function. */
  onChange(listener: () => void): () => void
  /** Disconnects and stops reconnecting (a stdio server is stopped). */
  close(): Promise<void>
}

/**
 * What the connected kinds (mcp, a2a) share: the capability table, learnt
 * from the service, and the listeners told when it changes.
 */
export abstract class LiveCapabilities<Entry extends { schemas?: CapabilitySchemas }> implements LiveAgent {
  private entries = new Map<string, Entry>()
  private readonly listeners = new Set<() => void>()
  protected closed = false
  protected timer: NodeJS.Timeout | undefined

  capabilities(): string[] {
    return [...this.entries.keys()]
  }

  schemas(): Record<string, CapabilitySchemas> {
    const out: Record<string, CapabilitySchemas> = {}
    for (const [capability, entry] of this.entries)
      if (entry.schemas !== undefined) out[capability] = entry.schemas
    return out
  }

  /** What stands behind `capability` now, if it is offered. */
  entry(capability: string): Entry | undefined {
    return this.entries.get(capability)
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
  }

  protected get size(): number {
    return this.entries.size
  }

  protected replace(entries: Map<string, Entry>): void {
    this.entries = entries
    for (const listener of this.listeners) listener()
  }
}
