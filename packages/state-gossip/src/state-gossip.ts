import { type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import {
  decodeNodeState,
  MAX_KNOWN_STATES,
  MAX_SIGNED_STATES_PER_REPLY,
  MAX_STATE_PEERS,
  type NodeStateMessage,
  type SignedState,
  STATE_TOPIC,
  type StateSyncMessage
} from '@mesh-node/protocol'
import { DEFAULT_HEARTBEAT_MS } from './constants.js'
import type { NodeInfo, StateGossip, StateGossipComponents, StateGossipInit } from './index.js'
import { PendingIntroductions } from './pending-introductions.js'
import { RelayedStates } from './relayed-states.js'
import {
  type ProvenState,
  provenFromGossip,
  signOwnState,
  toWire,
  verifySignedState
} from './signed-state.js'
import { newer, Tombstones } from './tombstones.js'

/** Characters of signed states in one state_sync_reply: well inside one frame. */
const SYNC_REPLY_CHARS = 768 * 1024
/** Signatures checked per reply; the rest wait for later rounds (a garbage reply costs bounded CPU). */
const MAX_VERIFIED_PER_REPLY = 256

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
  /** The latest full state of every peer, and our own (at most MAX_KNOWN_STATES). */
  private readonly latest = new Map<string, NodeStateMessage>()
  /** The signed form of each state in `latest` that has one: what anti-entropy hands out. */
  private readonly proofs = new Map<string, ProvenState>()
  private readonly relays = new RelayedStates()
  private readonly pending?: PendingIntroductions
  private readonly tombstones = new Tombstones()
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
  ) {
    if (components.isPending != null) this.pending = new PendingIntroductions(components.isPending)
  }

  async start(): Promise<void> {
    const { pubsub } = this.components
    pubsub.topicValidators.set(STATE_TOPIC, (peer, msg) => this.validate(peer.toString(), msg))
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
    const data = new TextEncoder().encode(JSON.stringify(msg))
    const { privateKey } = this.components
    if (privateKey != null) {
      signOwnState(msg, data, privateKey)
        .then((proven) => {
          if (this.latest.get(msg.peerId) === msg) this.proofs.set(msg.peerId, proven)
        })
        .catch((err: Error) => {
          this.components.log.debug({ err: err.message }, 'signing own state failed')
        })
    }
    this.components.pubsub.publish(STATE_TOPIC, data).catch((err: Error) => {
      this.components.log.debug({ err: err.message }, 'state publish failed')
    })
  }

  /**
   * Runs inside gossipsub before delivery or forwarding: bad state never
   * spreads, and a forwarder with its share of unverified peers pending
   * brings in no more.
   */
  private validate(forwarder: string, msg: Message): TopicValidatorResult {
    const decoded = decodeNodeState(msg.data)
    if (!decoded.ok) {
      this.components.log.warn({ error: decoded.error }, 'rejected invalid node_state')
      return TopicValidatorResult.Reject
    }
    const subject = decoded.message.peerId
    if (msg.type !== 'signed' || msg.from.toString() !== subject) {
      this.components.log.warn({ claimed: subject }, 'rejected node_state whose signer is not its origin')
      return TopicValidatorResult.Reject
    }
    if (!newer(decoded.message, this.seen.get(subject)) || this.tombstones.buries(decoded.message))
      return TopicValidatorResult.Ignore
    const firstHeard = forwarder !== subject && !this.latest.has(subject) && !this.seen.has(subject)
    if (firstHeard && this.pending?.admit(subject, forwarder) === false) {
      this.components.log.debug(
        { remotePeer: forwarder, subject },
        'ignored gossip of a new peer: its forwarder has its share of unverified peers pending'
      )
      return TopicValidatorResult.Ignore
    }
    return TopicValidatorResult.Accept
  }

  private receive(msg: Message): void {
    if (msg.topic !== STATE_TOPIC || msg.type !== 'signed') return
    const decoded = decodeNodeState(msg.data)
    if (!decoded.ok) return
    this.applyGossip(provenFromGossip(msg, decoded.message))
  }

  /**
   * A peer's own signed gossip is authoritative and judged only against its
   * own earlier gossip, so a relayed state (with an old signature, say) can
   * never shadow it.
   */
  private applyGossip(proven: ProvenState): void {
    const { state } = proven
    const peerId = state.peerId
    if (peerId === this.components.selfPeerId) return
    if (!newer(state, this.seen.get(peerId)) || this.tombstones.buries(state)) return
    // A full table takes a new peer's own gossip only in place of one known second-hand.
    if (!this.latest.has(peerId) && this.latest.size >= MAX_KNOWN_STATES && !this.evictRelayed()) return
    this.seen.set(peerId, { incarnation: state.incarnation, seq: state.seq })
    this.directAt.set(peerId, Date.now())
    this.relays.release(peerId)
    this.tombstones.lift(peerId)
    this.hold(proven, 'gossip')
  }

  /**
   * Relayed states are believed only with their subject's signature, fill
   * in only for peers not heard from directly of late, and each partner may
   * introduce only its share of peers this node has not heard from itself.
   */
  private eligible(state: NodeStateMessage, source: string): boolean {
    const peerId = state.peerId
    if (peerId === this.components.selfPeerId) return false
    if (this.components.isDead?.(peerId) === true || this.tombstones.buries(state)) return false
    if (Date.now() - (this.directAt.get(peerId) ?? 0) < this.directFreshMs) return false
    if (!newer(state, this.seen.get(peerId)) || !newer(state, this.relayed.get(peerId))) return false
    if (this.latest.has(peerId)) return true
    return this.latest.size < MAX_KNOWN_STATES && this.relays.allows(peerId, source)
  }

  private applyRelayed(proven: ProvenState, source: string): void {
    const { state } = proven
    if (!this.eligible(state, source)) return
    if (!this.seen.has(state.peerId)) this.relays.introduce(state.peerId, source)
    this.relayed.set(state.peerId, { incarnation: state.incarnation, seq: state.seq })
    this.hold(proven, 'sync')
  }

  private hold(proven: ProvenState, source: 'gossip' | 'sync'): void {
    const { state } = proven
    this.latest.set(state.peerId, state)
    this.proofs.set(state.peerId, proven)
    this.components.registry.upsertPeer(state.peerId, state.agents, source)
  }

  /** Drops one peer known only second-hand, to make room; false if there is none. */
  private evictRelayed(): boolean {
    for (const peerId of this.latest.keys()) {
      if (!this.relays.isRelayedOnly(peerId)) continue
      this.forget(peerId)
      this.components.registry.removePeer(peerId, 'evicted')
      return true
    }
    return false
  }

  answerSync(versions: StateSyncMessage['versions']): SignedState[] {
    const theirs = new Map(versions.map((v) => [v.peerId, v]))
    const out: SignedState[] = []
    let chars = 0
    for (const s of this.latest.values()) {
      if (!newer(s, theirs.get(s.peerId))) continue
      const proven = this.proofs.get(s.peerId)
      if (proven?.state !== s) continue
      const wire = toWire(proven)
      // Stay well inside one frame; the rest follows in the next round.
      const size = wire.data.length + wire.signature.length + 64
      if (chars + size > SYNC_REPLY_CHARS) continue
      chars += size
      out.push(wire)
      if (out.length >= MAX_SIGNED_STATES_PER_REPLY) break
    }
    return out
  }

  nodeInfo(peerId: string): NodeInfo | undefined {
    const state = this.latest.get(peerId)
    return state == null ? undefined : { name: state.name, peers: state.peers }
  }

  forget(peerId: string): void {
    for (const v of [this.seen.get(peerId), this.relayed.get(peerId), this.latest.get(peerId)])
      this.tombstones.bury(peerId, v)
    this.seen.delete(peerId)
    this.relayed.delete(peerId)
    this.directAt.delete(peerId)
    this.latest.delete(peerId)
    this.proofs.delete(peerId)
    this.relays.release(peerId)
    this.pending?.release(peerId)
  }

  expired(peerId: string): void {
    if (Date.now() - (this.directAt.get(peerId) ?? 0) < this.directFreshMs) return
    if (this.latest.has(peerId)) this.forget(peerId)
  }

  private async antiEntropy(): Promise<void> {
    const { sync, peers } = this.components
    if (sync == null || peers == null) return
    const partners = peers()
      .sort(() => Math.random() - 0.5)
      .slice(0, this.init.syncFanout ?? 2)
    const versions = [...this.latest.values()].slice(0, MAX_KNOWN_STATES).map((s) => ({
      peerId: s.peerId,
      incarnation: s.incarnation,
      seq: s.seq
    }))
    await Promise.all(
      partners.map(async (peer) => {
        try {
          await this.takeReply(peer, await sync(peer, versions))
        } catch (err) {
          this.components.log.debug(
            { remotePeer: peer, err: (err as Error).message },
            'anti-entropy round failed'
          )
        }
      })
    )
  }

  /** Checks and applies one partner's signed states: cheap checks first, the signature only for a state that would be used. */
  private async takeReply(source: string, signed: SignedState[]): Promise<void> {
    let verified = 0
    let refused = 0
    for (const wire of signed) {
      const decoded = decodeNodeState(new Uint8Array(Buffer.from(wire.data, 'base64')))
      if (!decoded.ok || !this.eligible(decoded.message, source)) continue
      if (verified++ >= MAX_VERIFIED_PER_REPLY) break
      const checked = await verifySignedState(wire)
      if (checked.ok) this.applyRelayed(checked.proven, source)
      else refused++
    }
    if (refused > 0)
      this.components.log.warn(
        { remotePeer: source, refused },
        'dropped relayed states without a valid signature'
      )
  }
}

export function createStateGossip(
  components: StateGossipComponents,
  init: StateGossipInit = {}
): StateGossip {
  return new PubsubStateGossip(components, init)
}
