import type { MeshConfig } from '@mesh-node/config'
import type { MeshInit } from '@mesh-node/mesh'

/** The mesh subsystems' settings, read off the daemon's config. */
export function meshInit(config: MeshConfig, nodeName: string): MeshInit {
  const { mesh, tasks } = config
  return {
    registry: { ttlMs: mesh.registryTtlMs },
    gossip: { heartbeatMs: mesh.heartbeatMs, syncIntervalMs: mesh.syncIntervalMs, name: nodeName },
    providers: { reprovideIntervalMs: mesh.reprovideIntervalMs },
    discovery: { dhtLookupTimeoutMs: mesh.dhtLookupTimeoutMs },
    tasks: { maxHops: tasks.maxHops },
    failureDetector: {
      suspectAfterMs: mesh.suspectAfterMs,
      probeTimeoutMs: mesh.probeTimeoutMs,
      suspicionTimeoutMs: mesh.suspicionTimeoutMs
    },
    departed: {
      purgeAfterMs: mesh.departedPurgeMs,
      maxMembers: mesh.maxMembers,
      // Configured bootstrap peers are never purged: they are how this node finds the mesh again.
      keep: config.bootstrap.map((addr) => addr.split('/p2p/').at(-1) as string)
    }
  }
}
