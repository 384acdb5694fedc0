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

import type { GossipSub } from '@libp2p/gossipsub'
import type { PrivateKey } from '@libp2p/interface'
import type { AgentAd, SignedState, StateSyncMessage } from '@mesh-node/protocol'
import type { Logger } from 'pino'

export { DEFAULT_HEARTBEAT_MS } from './constants.js'
export { createStateGossip } from './state-gossip.js'

/**
 * Where the gossip puts what it learns: each peer's agents as announced, and
 * the peers it lets go. The membership's capability registry, in the daemon.
 */
export interface StateDelegate {
  /** A state was taken: from the peer's own gossip, or relayed by anti-entropy (`sync`). */
  upsertPeer(peerId: string, agents: AgentAd[], source: 'gossip' | 'sync'): void
  /** A peer known only second-hand was dropped to make room. */
  removePeer(peerId: string, reason: 'evicted'): void
}

export interface StateGossipComponents {
  pubsub: GossipSub
  registry: StateDelegate
  selfPeerId: string
  /** This node's agents, as announced. */
  localAgents: () => AgentAd[]
  /** Peers this node holds connections to; announced (bounded) so others can draw the mesh. */
  connectedPeers?: () => string[]
  /** Subscribes to local load changes; returns an unsubscribe. */
  onLocalChange: (listener: () => void) => () => void
  /** Sends a state_sync to a peer and returns the signed states of its reply; absent, no anti-entropy runs. */
  sync?: (peerId: string, versions: StateSyncMessage['versions']) => Promise<SignedState[]>
  /** This node's key, to sign its own state for anti-entropy; absent, its own state travels by gossip only. */
  privateKey?: PrivateKey
  /** Peers to pick anti-entropy partners from. */
  peers?: () => string[]
  /** Relayed (anti-entropy) states of peers held dead are not believed; their own gossip is. */
  isDead?: (peerId: string) => boolean
  /**
   * Whether a peer first heard of by gossip `sinceMs` ago still waits to be
   * verified; absent, gossip of new peers is taken from any forwarder without limit.
   */
  isPending?: (peerId: string, sinceMs: number) => boolean
  log: Logger
}

export interface StateGossipInit {
  /** Anti-entropy round: exchange versions with a few random peers this often. @default 5000 */
  syncIntervalMs?: number
  /** Peers per anti-entropy round. @default 2 */
  syncFanout?: number
  /** Announce at least this often, changed or not. @default DEFAULT_HEARTBEAT_MS */
  heartbeatMs?: number
  /** Announce changes at most this often, so load bursts do not flood the topic. @default 100 */
  minIntervalMs?: number
  /** The name this node announces (a label for people, not an identity). */
  name?: string
}

/** What a node says about itself beyond its agents: labels for display only. */
export interface NodeInfo {
  name?: string
  /** Peers it says it is connected to (unverified). */
  peers?: string[]
}

export interface StateGossip {
  /** Announces now (rate-limited). */
  announce(): void
  /**
   * Answers a peer's state_sync: every signed state held that is newer than,
   * or missing from, its list (states held without their subject's signature
   * are never handed on).
   */
  answerSync(versions: StateSyncMessage['versions']): SignedState[]
  /**
   * Forgets a peer (declared dead, or purged), keeping only its last version
   * as a tombstone: its next state or a restart's is believed, a replay of an
   * old one is not.
   */
  forget(peerId: string): void
  /** The registry dropped the peer for want of news: a state known only second-hand is let go. */
  expired(peerId: string): void
  /** The name and connections a peer last announced (or this node's own); undefined if never heard. */
  nodeInfo(peerId: string): NodeInfo | undefined
  start(): Promise<void>
  stop(): Promise<void>
}
