import type { AgentView } from '@mesh-node/membership'

/** A place a task can go: this node, or a peer that will pick among its own agents. */
export interface Candidate {
  peerId: string
  local: boolean
  /** The lowest load among the peer's agents with the capability. */
  load: number
  /** Round-trip estimate in ms; 0 for this node, undefined when never measured. */
  latencyMs?: number
}

/** Orders candidates, best first. Pluggable: pass your own to the router. */
export type RoutingStrategy = (candidates: Candidate[]) => Candidate[]

/** Least loaded first, then lowest latency, then peer id for a stable order. */
export const leastLoaded: RoutingStrategy = (candidates) =>
  [...candidates].sort(
    (a, b) =>
      a.load - b.load ||
      (a.latencyMs ?? Number.MAX_SAFE_INTEGER) - (b.latencyMs ?? Number.MAX_SAFE_INTEGER) ||
      a.peerId.localeCompare(b.peerId)
  )

/** Collapses agent views to one candidate per peer. */
export function candidatesFrom(
  agents: AgentView[],
  latency: (peerId: string) => number | undefined
): Candidate[] {
  const byPeer = new Map<string, Candidate>()
  for (const a of agents) {
    const prev = byPeer.get(a.peerId)
    if (prev == null)
      byPeer.set(a.peerId, {
        peerId: a.peerId,
        local: a.local,
        load: a.load,
        latencyMs: a.local ? 0 : latency(a.peerId)
      })
    else prev.load = Math.min(prev.load, a.load)
  }
  return [...byPeer.values()]
}
