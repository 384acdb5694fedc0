import { randomUUID } from 'node:crypto'
import { type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { DEFAULTS } from './constants.js'
import { type DirectDelivery, MAX_SEND_TIMEOUT_MS } from './direct.js'
import {
  checkMessageType,
  checkTopicName,
  decodeEnvelope,
  encodeEnvelope,
  gossipTopic,
  type MessageEnvelope,
  userTopicOf
} from './envelope.js'
import { MessagingError } from './errors.js'
import type {
  MessageHandler,
  Messaging,
  MessagingComponents,
  MessagingInit,
  PublishOptions,
  PublishResult,
  SendOptions,
  SendResult,
  SubscribeOptions,
  Subscription
} from './index.js'
import { agentMessage, agentMessageHandler } from './messages/agent-message.js'
import { PublishRateLimiter } from './rate-limit.js'
import { ReplayProtocol } from './replay.js'
import { answerReplay } from './replay-answer.js'
import { ReplayBuffer } from './replay-buffer.js'
import { sendRemote } from './send-remote.js'
import { LocalSubscriber } from './subscriber.js'

/** Slack added to a replay window for the request's own travel time. */
const REPLAY_MARGIN_MS = 100
/** Topics asked of one newly connected peer at once. */
const CATCH_UP_CONCURRENCY = 4

export class GossipMessaging implements Messaging {
  private readonly topicState = new Map<string, Set<LocalSubscriber>>()
  private readonly limiter: PublishRateLimiter
  private readonly buffer: ReplayBuffer
  private readonly replay: ReplayProtocol
  private readonly self: string
  private readonly opts: Required<MessagingInit>
  private running = false
  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    this.receive(evt.detail)
  }
  private readonly onPeerConnect = (evt: CustomEvent<PeerId>): void => {
    void this.catchUp(evt.detail)
  }

  constructor(
    private readonly components: MessagingComponents,
    init: MessagingInit = {}
  ) {
    this.opts = { ...DEFAULTS, ...init }
    this.self = components.libp2p.peerId.toString()
    this.limiter = new PublishRateLimiter(
      this.opts.publishRatePerSecond,
      this.opts.publishBurst,
      this.opts.trackedPublishers
    )
    this.buffer = new ReplayBuffer(
      this.opts.replayMessages,
      this.opts.replayBytes,
      this.opts.maxTopics,
      this.opts.maxReplayMs
    )
    this.replay = new ReplayProtocol(
      { libp2p: components.libp2p, log: components.log },
      {
        maxReplayMs: this.opts.maxReplayMs,
        timeoutMs: this.opts.replayTimeoutMs,
        // JSON framing adds a little to the envelopes' own bytes.
        maxReplyBytes: this.opts.replayBytes + 64 * 1024,
        answer: async (request, asker) =>
          await answerReplay(
            components.pubsub,
            this.buffer,
            this.opts.replaySubscriptionWaitMs,
            request,
            asker
          ),
        maxRequestBytes: 1024
      }
    )
  }

  async start(): Promise<void> {
    this.components.pubsub.addEventListener('message', this.onMessage)
    this.components.libp2p.addEventListener('peer:connect', this.onPeerConnect)
    await this.replay.start()
    this.components.rpc?.handle(
      agentMessage,
      agentMessageHandler(
        async (agent, envelope, timeoutMs) => await this.deliverDirect(agent, envelope, timeoutMs),
        this.opts.maxMessageBytes
      )
    )
    this.running = true
  }

  async stop(): Promise<void> {
    this.running = false
    this.components.rpc?.unhandle(agentMessage)
    this.components.pubsub.removeEventListener('message', this.onMessage)
    this.components.libp2p.removeEventListener('peer:connect', this.onPeerConnect)
    for (const name of [...this.topicState.keys()]) this.leave(name)
    await this.replay.stop()
  }

  async publish(topic: string, payload: unknown, options: PublishOptions = {}): Promise<PublishResult> {
    if (!this.running) throw new MessagingError('messaging is stopped', 'stopped')
    const name = checkTopicName(topic)
    const envelope: MessageEnvelope = {
      v: 1,
      id: randomUUID(),
      type: checkMessageType(options.type),
      topic: name,
      from: options.agent != null ? { node: this.self, agent: options.agent } : { node: this.self },
      to: options.to ?? 'broadcast',
      payload: payload ?? null,
      timestamp: Date.now(),
      ...(options.correlationId != null ? { correlationId: options.correlationId } : {})
    }
    const bytes = encodeEnvelope(envelope, this.opts.maxMessageBytes)
    if (!this.limiter.take(this.self))
      throw new MessagingError(
        `publishing faster than ${this.opts.publishRatePerSecond} messages/s (burst ${this.opts.publishBurst}); slow down and retry`,
        'rate_limited'
      )
    this.buffer.add(envelope, bytes.length)
    const local = this.topicState.get(name)
    for (const sub of local ?? []) sub.deliver(envelope)
    const sent = await this.components.pubsub.publish(gossipTopic(name), bytes)
    return {
      id: envelope.id,
      topic: name,
      timestamp: envelope.timestamp,
      peers: sent.recipients.length,
      localSubscribers: local?.size ?? 0
    }
  }

  async send(
    target: { agent: string; node: string },
    payload: unknown,
    options: SendOptions = {}
  ): Promise<SendResult> {
    if (!this.running) throw new MessagingError('messaging is stopped', 'stopped')
    let peer: PeerId
    try {
      peer = peerIdFromString(target.node)
    } catch {
      throw new MessagingError(
        `"${target.node}" is not a peer id (see "mesh-node agents" for the PEER ID column)`,
        'bad_message'
      )
    }
    const envelope: MessageEnvelope = {
      v: 1,
      id: randomUUID(),
      type: checkMessageType(options.type),
      from: options.agent != null ? { node: this.self, agent: options.agent } : { node: this.self },
      to: { agent: target.agent, node: target.node },
      payload: payload ?? null,
      timestamp: Date.now(),
      ...(options.correlationId != null ? { correlationId: options.correlationId } : {})
    }
    encodeEnvelope(envelope, this.opts.maxMessageBytes)
    if (!this.limiter.take(this.self))
      throw new MessagingError(
        `sending faster than ${this.opts.publishRatePerSecond} messages/s; slow down and retry`,
        'rate_limited'
      )
    const timeoutMs = Math.min(options.timeoutMs ?? 30_000, MAX_SEND_TIMEOUT_MS)
    const outcome =
      target.node === this.self
        ? await this.deliverDirect(target.agent, envelope, timeoutMs)
        : await sendRemote(this.components.rpc, peer, envelope, timeoutMs, this.opts.replayTimeoutMs)
    if (!outcome.delivered)
      throw new MessagingError(`${target.agent}@${target.node}: ${outcome.message}`, outcome.code)
    return { id: envelope.id, agent: target.agent, node: target.node, reply: outcome.reply }
  }

  subscribe(topic: string, handler: MessageHandler, options: SubscribeOptions = {}): Subscription {
    if (!this.running) throw new MessagingError('messaging is stopped', 'stopped')
    const name = checkTopicName(topic)
    const sinceMs = options.sinceMs ?? 0
    if (!(sinceMs >= 0 && sinceMs <= this.opts.maxReplayMs))
      throw new MessagingError(`since must be between 0 and ${this.opts.maxReplayMs} ms`, 'bad_replay')
    const subs = this.join(name)
    if (subs.size >= this.opts.maxSubscribersPerTopic)
      throw new MessagingError(
        `topic "${name}" already has ${subs.size} local subscribers, the most allowed; close one first`,
        'too_many_subscribers'
      )
    const sub = new LocalSubscriber(handler, this.opts.seenIds, (err, envelope) =>
      this.components.log.warn({ err, topic: envelope.topic }, 'message handler failed')
    )
    sub.beginReplay()
    subs.add(sub)
    const replayed = this.replayInto(name, sub, sinceMs)
    return {
      topic: name,
      replayed,
      unsubscribe: () => {
        const current = this.topicState.get(name)
        if (current == null || !current.delete(sub)) return
        if (current.size === 0) this.leave(name)
      }
    }
  }

  topics(): Array<{ topic: string; subscribers: number; peers: number }> {
    return [...this.topicState].map(([topic, subs]) => ({
      topic,
      subscribers: subs.size,
      peers: this.components.pubsub.getSubscribers(gossipTopic(topic)).length
    }))
  }

  private join(name: string): Set<LocalSubscriber> {
    const existing = this.topicState.get(name)
    if (existing != null) return existing
    if (this.topicState.size >= this.opts.maxTopics)
      throw new MessagingError(
        `this node already follows ${this.topicState.size} topics, the most allowed; unsubscribe from one first`,
        'too_many_topics'
      )
    const subs = new Set<LocalSubscriber>()
    this.topicState.set(name, subs)
    const full = gossipTopic(name)
    this.components.pubsub.topicValidators.set(full, (_peer, msg) => this.validate(name, msg))
    this.components.pubsub.subscribe(full)
    return subs
  }

  private leave(name: string): void {
    this.topicState.delete(name)
    const full = gossipTopic(name)
    this.components.pubsub.topicValidators.delete(full)
    try {
      this.components.pubsub.unsubscribe(full)
    } catch {
      /* pubsub already stopped */
    }
  }

  private validate(name: string, msg: Message): TopicValidatorResult {
    if (msg.type !== 'signed') return TopicValidatorResult.Reject
    const signer = msg.from.toString()
    try {
      decodeEnvelope(msg.data, { topic: name, signer, maxBytes: this.opts.maxMessageBytes })
    } catch (err) {
      this.components.log.debug(
        { remotePeer: signer, topic: name, err: (err as Error).message },
        'rejected user message'
      )
      return TopicValidatorResult.Reject
    }
    // Ignore, not Reject: a relay forwarding a flooder's messages is not at fault.
    return this.limiter.take(signer) ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore
  }

  private receive(msg: Message): void {
    const name = userTopicOf(msg.topic)
    if (name == null || msg.type !== 'signed') return
    const subs = this.topicState.get(name)
    if (subs == null) return
    let envelope: MessageEnvelope
    try {
      envelope = decodeEnvelope(msg.data, {
        topic: name,
        signer: msg.from.toString(),
        maxBytes: this.opts.maxMessageBytes
      })
    } catch {
      return
    }
    for (const sub of subs) sub.deliver(envelope)
  }

  /** Fetches what connected peers (and this node, for `since`) published since the subscribe, minus what arrived anyway. */
  private async replayInto(name: string, sub: LocalSubscriber, sinceMs: number): Promise<number> {
    const started = Date.now()
    let count = 0
    if (sinceMs > 0)
      for (const envelope of this.buffer.since(name, started - sinceMs)) {
        if (sub.deliver(envelope)) count++
      }
    const peers = this.components.libp2p.getPeers().slice(0, this.opts.replayFanout)
    await Promise.all(
      peers.map(async (peer) => {
        const withinMs = Date.now() - started + sinceMs + REPLAY_MARGIN_MS
        for (const envelope of await this.replay.request(peer, name, withinMs)) {
          if (!this.topicState.get(name)?.has(sub)) return
          if (sub.deliver(envelope)) count++
        }
      })
    )
    sub.endReplay()
    return count
  }

  /**
   * A peer that just connected may publish before its gossipsub learns what
   * this node follows, and gossipsub would never send us those messages. So
   * this node asks it, per followed topic, for what it published since the
   * connection; it answers once it knows the subscription, after which its
   * gossip carries the rest. Copies that also came by gossip are dropped.
   */
  private async catchUp(peer: PeerId): Promise<void> {
    if (!this.running || this.topicState.size === 0) return
    const connectedAt = Date.now()
    // Every delivery from now on is recorded, so a replayed copy of it is dropped.
    const topics = [...this.topicState].map(([name, subs]) => ({ name, subs: [...subs] }))
    for (const t of topics) for (const sub of t.subs) sub.beginReplay()
    const next = async (): Promise<void> => {
      for (let t = topics.shift(); t !== undefined; t = topics.shift()) {
        try {
          const withinMs = Math.min(Date.now() - connectedAt + REPLAY_MARGIN_MS, this.opts.maxReplayMs)
          const name = t.name
          for (const envelope of await this.replay.request(peer, name, withinMs))
            for (const sub of t.subs) if (this.topicState.get(name)?.has(sub)) sub.deliver(envelope)
        } finally {
          for (const sub of t.subs) sub.endReplay()
        }
      }
    }
    await Promise.all(Array.from({ length: CATCH_UP_CONCURRENCY }, next))
  }

  private async deliverDirect(
    agent: string,
    envelope: MessageEnvelope,
    timeoutMs: number
  ): ReturnType<DirectDelivery> {
    const deliver = this.components.deliverDirect
    if (deliver == null)
      return { delivered: false, code: 'unknown_agent', message: 'this node runs no agents' }
    return await deliver(agent, envelope, timeoutMs)
  }
}
