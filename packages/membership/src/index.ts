/**
 * @packageDocumentation
 *
 * Membership of the mesh: which peers are alive, suspect or dead, and which
 * agents (capabilities, load) each one offers. Three views of one concept:
 *
 * - the failure detector (SWIM-style direct and indirect probes) is the one
 *   place that decides liveness;
 * - the state gossip (`@mesh-node/state-gossip`) announces each node's
 *   agents on `agent-mesh/state/1` every heartbeat and on change, with
 *   anti-entropy (`state_sync`, whose handler this package registers);
 * - the registry answers "who offers capability X" with a map read.
 *
 * (The DHT provider records, which find capable peers not yet heard from,
 * are `@mesh-node/routing`'s.)
 *
 * It owns the `probe_request` and `state_sync` messages and registers their
 * handlers on the rpc in `start()`.
 *
 * @example
 * ```ts
 * import { membership } from '@mesh-node/membership'
 *
 * const members = membership({ gossip: { heartbeatMs: 1000 } })({ libp2p, rpc, runtime, log })
 * await members.start()
 * members.registry.find('text.upper')      // AgentView[]
 * members.failureDetector.onEvent((e) => console.log(e.type, e.peerId))
 * ```
 */

import type { PrivateKey, Startable } from '@libp2p/interface'
import type { AgentRuntime } from '@mesh-node/agents'
import type { MeshLibp2p } from '@mesh-node/peer'
import type { Rpc } from '@mesh-node/rpc'
import type { StateGossip, StateGossipInit } from '@mesh-node/state-gossip'
import type { Logger } from 'pino'
import type { DepartedInit } from './departed.js'
import type { FailureDetector, FailureDetectorInit } from './failure-detector.js'
import { DefaultMembership } from './membership.js'
import type { CapabilityRegistry, RegistryInit } from './registry.js'

export type { NodeInfo, StateGossip, StateGossipInit } from '@mesh-node/state-gossip'
export { DEFAULT_HEARTBEAT_MS } from '@mesh-node/state-gossip'
export { DEFAULT_MAX_MEMBERS, DEFAULT_PURGE_AFTER_MS, type DepartedInit } from './departed.js'
export type {
  FailureDetector,
  FailureDetectorInit,
  HeardBy,
  Member,
  MemberState,
  MembershipEvent
} from './failure-detector.js'
export {
  type AgentView,
  type CapabilityRegistry,
  createRegistry,
  localAgentAds,
  type RegistryEvent,
  type RegistryInit,
  type RegistrySource
} from './registry.js'

export interface MembershipInit {
  registry?: RegistryInit
  gossip?: StateGossipInit
  failureDetector?: FailureDetectorInit
  /** When departed identities leave the member table and the peer store. */
  departed?: DepartedInit
}

export interface MembershipComponents {
  libp2p: MeshLibp2p
  /** The node's key: signs its own state so anti-entropy can hand it on (§7.2). */
  privateKey?: PrivateKey
  rpc: Rpc
  runtime: Pick<AgentRuntime, 'list' | 'capabilities' | 'onChange'>
  log: Logger
}

export interface Membership extends Startable {
  readonly registry: CapabilityRegistry
  readonly failureDetector: FailureDetector
  readonly gossip: StateGossip
}

export function membership(init: MembershipInit = {}): (components: MembershipComponents) => Membership {
  return (components) => new DefaultMembership(components, init)
}
