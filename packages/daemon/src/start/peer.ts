import type { PrivateKey } from '@libp2p/interface'
import type { MeshConfig } from '@mesh-node/config'
import type { MeshMetrics } from '@mesh-node/metrics'
import { createMeshPeer, type MeshPeer } from '@mesh-node/peer'
import { mdnsServiceTag } from '@mesh-node/protocol'
import { type MeshDatabase, sqliteDatastore } from '@mesh-node/store'
import { DaemonError } from '../errors.js'
import type { Logger } from '../logger.js'

/** The libp2p peer as the config describes it, its peer store kept in the node's database. */
export async function startPeer(init: {
  config: MeshConfig
  privateKey: PrivateKey
  db: MeshDatabase
  metrics: MeshMetrics
  /** Read before the data dir is locked, so a bad key file fails first. */
  swarmKey?: Uint8Array
  /** Read on each failed auto-dial, so it sees the logger that carries the peer id. */
  log: () => Logger
}): Promise<MeshPeer> {
  const { config } = init
  try {
    return await createMeshPeer({
      privateKey: init.privateKey,
      listen: config.listen,
      bootstrap: config.bootstrap,
      mdns: {
        enabled: config.mdns.enabled,
        serviceTag: mdnsServiceTag(config.mdns.tag),
        intervalMs: config.mdns.intervalMs,
        maxIntervalMs: config.mdns.maxIntervalMs
      },
      swarmKey: init.swarmKey,
      datastore: sqliteDatastore(init.db, { table: 'libp2p' }),
      connections: config.connections,
      metrics: init.metrics.libp2pMetrics,
      onDialError: (peerId, err) =>
        init.log().debug({ remotePeer: peerId.toString(), err: err.message }, 'auto-dial failed')
    })
  } catch (err) {
    throw listenError(err, config.listen)
  }
}

/** A listen failure said in terms of the flag that fixes it. */
function listenError(err: unknown, listen: string[]): Error {
  const message = (err as Error).message ?? String(err)
  if (
    /EADDRINUSE|address already in use/i.test(message) ||
    (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
  ) {
    return new DaemonError(
      `a listen address is already in use (${listen.join(', ')}); choose another with --listen, e.g. /ip4/0.0.0.0/tcp/0`,
      'listen_address_in_use'
    )
  }
  if (
    (err as Error).name === 'NoValidAddressesError' ||
    /no valid addresses|could not listen/i.test(message)
  ) {
    return new DaemonError(`cannot listen on ${listen.join(', ')}: ${message}`, 'listen_failed')
  }
  return err as Error
}
