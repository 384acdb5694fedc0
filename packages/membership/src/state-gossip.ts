import { type GossipSub, type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import {
  type AgentAd,
  decodeNodeState,
  MAX_STATE_PEERS,
  type NodeStateMessage,
  STATE_TOPIC,
  type StateSyncMessage
} from '@mesh-node/protocol'
import type { Logger } from 'pino'
import { DEFAULT_HEARTBEAT_MS } from './constants.js'
import type { CapabilityRegistry } from './registry.js'

export interface StateGossipComponents {
  pubsub: GossipSub
  registry: CapabilityRegistry
  selfPeerId: string
  /** This node's agents, as announced. */
  localAgents: () => AgentAd[]
  /** Peers this node holds connections to; announced (bounded) so others can draw the mesh. */
  connectedPeers?: () => string[]
  /** Subscribes to local load changes; returns an unsubscribe. */
  onLocalChange: (listener: () => void) => () => void
  /** Sends a state_sync to a peer; absent, no anti-entropy runs. */
  sync?: (peerId: string, versions: StateSyncMessage['versions']) => Promise<NodeStateMessage[]>
  /** Peers to pick anti-entropy partners from. */
  peers?: () => string[]
  /** Relayed (anti-entropy) states of peers held dead are not believed; their own gossip is. */
  isDead?: (peerId: string) => boolean
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
  /** Answers a peer's state_sync: every state held that is newer than, or missing from, its list. */
  answerSync(versions: StateSyncMessage['versions']): NodeStateMessage[]
  /** Forgets a peer (declared dead), so a later, lower seq from a restart is not ignored. */
  forget(peerId: string): void
  /** The name and connections a peer last announced (or this node's own); undefined if never heard. */
  nodeInfo(peerId: string): NodeInfo | undefined
  start(): Promise<void>
  stop(): Promise<void>
}

const newer = (
  a: { incarnation: number; seq: number },
  b: { incarnation: number; seq: number } | undefined
): boolean => b == null || a.incarnation > b.incarnation || (a.incarnation === b.incarnation && a.seq > b.seq)

class PubsubStateGossip implements StateGossip {
  private readonly incarnation = Date.now()
  private seq = 0
  /** Versions from each peer's own gossip. */
  private readonly seen = new Map<string, { incarnation: number; seq: number }>()
  /** Versions learned second-hand through anti-entropy. */
  private readonly relayed = new Map<string, { incarnation: number; seq: number }>()
  private readonly directAt = new Map<string, number>()
  private get directFreshMs(): number {
    return 5 * (this.init.heartbeatMs ?? DEFAULT_HEARTBEAT_MS)
  }
  /** The latest full state of every peer, and our own: what anti-entropy hands out. */
  private readonly latest = new Map<string, NodeStateMessage>()
  private syncTimer?: NodeJS.Timeout
  private heartbeat?: NodeJS.Timeout
  private throttle?: NodeJS.Timeout
  private lastSent = 0
  private unsubscribe?: () => void
  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    this.receive(evt.detail)
  }

  constructor(
    private readonly components: StateGossipComponents,
    private readonly init: StateGossipInit
  ) {}

  async start(): Promise<void> {
    const { pubsub } = this.components
    pubsub.topicValidators.set(STATE_TOPIC, (_peer, msg) => this.validate(msg))
    pubsub.addEventListener('message', this.onMessage)
    pubsub.subscribe(STATE_TOPIC)
    this.unsubscribe = this.components.onLocalChange(() => this.announce())
    this.heartbeat = setInterval(() => this.publish(), this.init.heartbeatMs ?? DEFAULT_HEARTBEAT_MS)
    if (this.components.sync != null) {
      this.syncTimer = setInterval(() => {
        void this.antiEntropy()
      }, this.init.syncIntervalMs ?? 5000)
    }
    this.publish()
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat)
    clearInterval(this.syncTimer)
    clearTimeout(this.throttle)
    this.unsubscribe?.()
    const { pubsub } = this.components
    pubsub.removeEventListener('message', this.onMessage)
    pubsub.topicValidators.delete(STATE_TOPIC)
    try {
      pubsub.unsubscribe(STATE_TOPIC)
    } catch {
      /* already stopped */
    }
  }

  announce(): void {
    if (this.throttle != null) return
    const wait = Math.max(0, (this.init.minIntervalMs ?? 100) - (Date.now() - this.lastSent))
    this.throttle = setTimeout(() => {
      this.throttle = undefined
      this.publish()
    }, wait)
  }

  private publish(): void {
    this.lastSent = Date.now()
    const msg: NodeStateMessage = {
      type: 'node_state',
      peerId: this.components.selfPeerId,
      incarnation: this.incarnation,
      seq: ++this.seq,
      agents: this.components.localAgents(),
      ...(this.init.name != null ? { name: this.init.name } : {}),
      ...(this.components.connectedPeers != null
        ? { peers: [...new Set(this.components.connectedPeers())].slice(0, MAX_STATE_PEERS) }
        : {})
    }
    this.latest.set(msg.peerId, msg)
    this.components.pubsub
      .publish(STATE_TOPIC, new TextEncoder().encode(JSON.stringify(msg)))
      .catch((err: Error) => {
        this.components.log.debug({ err: err.message }, 'state publish failed')
      })
  }

  /** Runs inside gossipsub before delivery or forwarding: bad state never spreads. */
  private validate(msg: Message): TopicValidatorResult {
    const decoded = decodeNodeState(msg.data)
    if (!decoded.ok) {
      this.components.log.warn({ error: decoded.error }, 'rejected invalid node_state')
      return TopicValidatorResult.Reject
    }
    if (msg.type !== 'signed' || msg.from.toString() !== decoded.message.peerId) {
      this.components.log.warn(
        { claimed: decoded.message.peerId },
        'rejected node_state whose signer is not its origin'
      )
      return TopicValidatorResult.Reject
    }
    return newer(decoded.message, this.seen.get(decoded.message.peerId))
      ? TopicValidatorResult.Accept
      : TopicValidatorResult.Ignore
  }

  private receive(msg: Message): void {
    if (msg.topic !== STATE_TOPIC) return
    const decoded = decodeNodeState(msg.data)
    if (!decoded.ok) return
    this.apply(decoded.message, 'gossip')
  }

  /**
   * A peer's own signed gossip is authoritative and judged only against its
   * own earlier gossip, so a relayed state (unsigned, possibly forged with a
   * huge seq) can never shadow it. Relayed states fill in only for peers not
   * heard from directly of late.
   */
  private apply(state: NodeStateMessage, source: 'gossip' | 'sync'): void {
    const peerId = state.peerId
    if (peerId === this.components.selfPeerId) return
    if (source === 'gossip') {
      if (!newer(state, this.seen.get(peerId))) return
      this.seen.set(peerId, { incarnation: state.incarnation, seq: state.seq })
      this.directAt.set(peerId, Date.now())
    } else {
      if (this.components.isDead?.(peerId) === true) return
      if (Date.now() - (this.directAt.get(peerId) ?? 0) < this.directFreshMs) return
      if (!newer(state, this.seen.get(peerId)) || !newer(state, this.relayed.get(peerId))) return
      this.relayed.set(peerId, { incarnation: state.incarnation, seq: state.seq })
    }
    this.latest.set(peerId, state)
    this.components.registry.upsertPeer(peerId, state.agents, source)
  }

  answerSync(versions: StateSyncMessage['versions']): NodeStateMessage[] {
    const theirs = new Map(versions.map((v) => [v.peerId, v]))
    const out: NodeStateMessage[] = []
    let bytes = 0
    for (const s of this.latest.values()) {
      if (!newer(s, theirs.get(s.peerId))) continue
      // Stay well inside one frame; the rest follows in the next round.
      const size = JSON.stringify(s).length
      if (bytes + size > 768 * 1024) continue
      bytes += size
      out.push(s)
      if (out.length >= 1024) break
    }
    return out
  }

  nodeInfo(peerId: string): NodeInfo | undefined {
    const state = this.latest.get(peerId)
    return state == null ? undefined : { name: state.name, peers: state.peers }
  }

  forget(peerId: string): void {
    this.seen.delete(peerId)
    this.relayed.delete(peerId)
    this.directAt.delete(peerId)
    this.latest.delete(peerId)
  }

  private async antiEntropy(): Promise<void> {
    const { sync, peers } = this.components
    if (sync == null || peers == null) return
    const partners = peers()
      .sort(() => Math.random() - 0.5)
      .slice(0, this.init.syncFanout ?? 2)
    const versions = [...this.latest.values()].map((s) => ({
      peerId: s.peerId,
      incarnation: s.incarnation,
      seq: s.seq
    }))
    await Promise.all(
      partners.map(async (peer) => {
        try {
          for (const state of await sync(peer, versions)) this.apply(state, 'sync')
        } catch (err) {
          this.components.log.debug(
            { remotePeer: peer, err: (err as Error).message },
            'anti-entropy round failed'
          )
        }
      })
    )
  }
}

export function createStateGossip(
  components: StateGossipComponents,
  init: StateGossipInit = {}
): StateGossip {
  return new PubsubStateGossip(components, init)
}
