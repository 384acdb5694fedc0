/**
 * @packageDocumentation
 *
 * The state gossip of mesh-node (docs/PROTOCOL.md §7): each node announces
 * its agents and their load on `agent-mesh/state/1` every heartbeat and on
 * change, signed by itself, and repairs what gossip missed by anti-entropy
 * (`state_sync`), handing on only states signed by their subjects. It also
 * holds the defences against members that lie about others: tombstones
 * against replays, and how many peers one partner or forwarder may bring in
 * that this node has not verified.
 *
 * What it learns goes to a {@link StateDelegate} (the membership's
 * registry); liveness stays the failure detector's, asked through small
 * hooks (`isDead`, `isPending`).
 *
 * @example
 * ```ts
 * import { createStateGossip } from '@mesh-node/state-gossip'
 *
 * const gossip = createStateGossip({ pubsub, registry, selfPeerId, localAgents, onLocalChange, log })
 * await gossip.start()
 * gossip.nodeInfo(peerId)   // { name, peers } as that peer announced them
 * ```
 */

export { DEFAULT_HEARTBEAT_MS } from './constants.js'
export {
  createStateGossip,
  type NodeInfo,
  type StateDelegate,
  type StateGossip,
  type StateGossipComponents,
  type StateGossipInit
} from './state-gossip.js'
