import type { Tasks } from '@mesh-node/tasks'

/**
 * This node's own record of how each peer did on the tasks it sent there:
 * the one place the success rate and the speed of a peer are computed (the
 * auction scores bids with them).
 */

/** Peers remembered; the least recently updated is dropped past this. */
const MAX_PEERS = 4096
/** Weight of the newest duration in the moving average. */
const SPEED_WEIGHT = 0.3

export interface PeerStat {
  ok: number
  failed: number
  avgMs: number | null
}

export class PeerStats {
  private readonly peers = new Map<string, PeerStat>()

  record(peerId: string, ok: boolean, ms: number): void {
    const r = this.peers.get(peerId) ?? { ok: 0, failed: 0, avgMs: null }
    if (ok) r.ok++
    else r.failed++
    r.avgMs = r.avgMs == null ? ms : r.avgMs * (1 - SPEED_WEIGHT) + ms * SPEED_WEIGHT
    this.peers.delete(peerId)
    this.peers.set(peerId, r)
    if (this.peers.size > MAX_PEERS) {
      const oldest = this.peers.keys().next()
      if (oldest.done !== true) this.peers.delete(oldest.value)
    }
  }

  get(peerId: string): PeerStat | undefined {
    return this.peers.get(peerId)
  }

  /** Laplace-smoothed, so a peer never tried starts at 0.5. */
  successRate(peerId: string): number {
    const r = this.peers.get(peerId)
    return ((r?.ok ?? 0) + 1) / ((r?.ok ?? 0) + (r?.failed ?? 0) + 2)
  }
}

/** Feeds `stats` from the outcomes of the tasks this node originates; returns the unsubscribe. */
export function feedPeerStats(tasks: Pick<Tasks, 'onTaskEvent'>, stats: PeerStats): () => void {
  const startedAt = new Map<string, number>()
  return tasks.onTaskEvent((event) => {
    if (event.role !== 'origin') return
    if (event.status === 'started') startedAt.set(event.taskId, event.at)
    else if ((event.status === 'completed' || event.status === 'failed') && event.executor != null) {
      stats.record(
        event.executor,
        event.status === 'completed',
        event.at - (startedAt.get(event.taskId) ?? event.at)
      )
      startedAt.delete(event.taskId)
    }
  })
}
