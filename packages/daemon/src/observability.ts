import { statSync } from 'node:fs'
import type { Health } from '@mesh-node/control-api'
import type { TaskJournal } from '@mesh-node/journal'
import type { Mesh } from '@mesh-node/mesh'
import type { MeshMetrics } from '@mesh-node/metrics'
import type { MeshPeer } from '@mesh-node/peer'

export interface ObservedDaemon {
  metrics: MeshMetrics
  journal: TaskJournal
  mesh: Mesh
  peer: MeshPeer
  /** The SQLite file; its write-ahead log sits beside it. */
  databasePath: string
}

/** Connects the metrics to the daemon's subsystems; returns the disconnect. */
export function observeDaemon({ metrics, journal, mesh, peer, databasePath }: ObservedDaemon): () => void {
  const pubsub = peer.libp2p.services.pubsub
  return metrics.observe({
    onTaskChange: (listener) => journal.onChange(listener),
    onTaskEvent: (listener) => mesh.tasks.onTaskEvent(listener),
    onGossipMessage: (listener) => {
      const onMessage = (evt: CustomEvent<{ topic: string; data: Uint8Array }>): void =>
        listener(evt.detail.topic, evt.detail.data.byteLength)
      pubsub.addEventListener('message', onMessage)
      return () => pubsub.removeEventListener('message', onMessage)
    },
    taskCounts: () => journal.stats(),
    agents: () => mesh.registry.all(),
    members: () => mesh.failureDetector.members(),
    connections: () => peer.libp2p.getConnections().length,
    journalBytes: () => fileSize(databasePath) + fileSize(`${databasePath}-wal`),
    piecesDropped: () => mesh.tasks.pieces.dropped(),
    resultsRejected: () => mesh.tasks.rejected.totals()
  })
}

function fileSize(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

export function createHealth(peerId: string, startedAt: number): Health {
  let journal = false
  let discovery = false
  let timer: NodeJS.Timeout | undefined
  return {
    report: () => ({
      live: true,
      ready: journal && discovery,
      checks: { journal, discovery },
      peerId,
      uptimeMs: Date.now() - startedAt
    }),
    journalOpened: () => {
      journal = true
    },
    discoveryStarted: (firstRoundMs) => {
      timer = setTimeout(() => {
        discovery = true
      }, firstRoundMs)
      timer.unref()
    },
    close: () => clearTimeout(timer)
  }
}
