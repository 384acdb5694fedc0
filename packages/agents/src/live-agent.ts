/**
 * An agent whose capabilities come from a service it is connected to (an MCP
 * server's tools). While the service is away it offers nothing, and the
 * runtime leaves it out of `list()`, so the mesh sees the agent leave; when
 * the service is back, the agent rejoins with whatever it offers then.
 */
export interface LiveAgent {
  /** Capabilities offered now; empty while the backing service is unreachable. */
  capabilities(): string[]
  /** Called whenever `capabilities()` may have changed; returns an unsubscribe function. */
  onChange(listener: () => void): () => void
  /** Disconnects and stops reconnecting (a stdio server is stopped). */
  close(): Promise<void>
}
