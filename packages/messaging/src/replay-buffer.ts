import type { MessageEnvelope } from './envelope.js'

interface Entry {
  envelope: MessageEnvelope
  bytes: number
  at: number
}

/**
 * This node's own recent publications, per topic, bounded in count and in
 * bytes per topic and in topics overall. Only own messages are kept: a
 * replay answer is then authenticated by the connection it travels on, and
 * nobody can hand out forged copies of another peer's messages.
 */
export class ReplayBuffer {
  private readonly topics = new Map<string, { entries: Entry[]; bytes: number }>()

  constructor(
    private readonly maxMessages: number,
    private readonly maxBytes: number,
    private readonly maxTopics: number,
    private readonly maxAgeMs: number
  ) {}

  add(envelope: MessageEnvelope, bytes: number, now = Date.now()): void {
    if (envelope.topic === undefined) return
    let topic = this.topics.get(envelope.topic)
    if (topic == null) {
      topic = { entries: [], bytes: 0 }
      this.topics.set(envelope.topic, topic)
      if (this.topics.size > this.maxTopics) this.evictStalestTopic()
    }
    topic.entries.push({ envelope, bytes, at: now })
    topic.bytes += bytes
    while (topic.entries.length > this.maxMessages || topic.bytes > this.maxBytes) {
      const dropped = topic.entries.shift()
      if (dropped == null) break
      topic.bytes -= dropped.bytes
    }
  }

  /** Own messages on `topic` published at or after `since` (this node's clock), oldest first. */
  since(topic: string, since: number, now = Date.now()): MessageEnvelope[] {
    const entries = this.topics.get(topic)?.entries ?? []
    const floor = Math.max(since, now - this.maxAgeMs)
    return entries.filter((e) => e.at >= floor).map((e) => e.envelope)
  }

  private evictStalestTopic(): void {
    let stalest: string | undefined
    let stalestAt = Number.POSITIVE_INFINITY
    for (const [name, topic] of this.topics) {
      const last = topic.entries.at(-1)?.at ?? 0
      if (last < stalestAt) {
        stalestAt = last
        stalest = name
      }
    }
    if (stalest !== undefined) this.topics.delete(stalest)
  }
}
