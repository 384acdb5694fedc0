import type { PeerId } from '@libp2p/interface'
import type { TaskJournal } from '@mesh-node/journal'
import type { Mesh } from '@mesh-node/mesh'
import type { MeshPeer } from '@mesh-node/peer'
import type { Logger } from './logger.js'

/**
 * The info lines an operator watches for: peers joining and leaving the
 * mesh, and tasks this node accepted finishing. Returns the unsubscribe.
 */
export function logMeshEvents(log: Logger, peer: MeshPeer, mesh: Mesh, journal: TaskJournal): () => void {
  const libp2p = peer.libp2p
  const onConnect = (evt: CustomEvent<PeerId>): void =>
    log.info({ remotePeer: evt.detail.toString(), peers: libp2p.getPeers().length }, 'peer joined')
  const onDisconnect = (evt: CustomEvent<PeerId>): void =>
    log.info({ remotePeer: evt.detail.toString(), peers: libp2p.getPeers().length }, 'peer left')
  libp2p.addEventListener('peer:connect', onConnect)
  libp2p.addEventListener('peer:disconnect', onDisconnect)
  const offMembers = mesh.failureDetector.onEvent((e) => {
    if (e.type === 'peer_dead') log.info({ remotePeer: e.peerId, reason: e.reason }, 'peer is dead')
  })
  const offTasks = journal.onChange((task) => {
    if (task.status !== 'completed' && task.status !== 'failed' && task.status !== 'cancelled') return
    const fields = {
      taskId: task.taskId,
      capability: task.capability,
      executor: task.executor,
      agent: task.agent,
      attempts: task.attempts.length,
      ms: task.updatedAt - task.createdAt
    }
    if (task.status === 'completed') log.info(fields, 'task completed')
    else log.info({ ...fields, error: task.error?.code }, `task ${task.status}`)
  })
  return () => {
    libp2p.removeEventListener('peer:connect', onConnect)
    libp2p.removeEventListener('peer:disconnect', onDisconnect)
    offMembers()
    offTasks()
  }
}
