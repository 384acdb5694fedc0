import type { MessageEnvelope } from './envelope.js'
import type { MessageHandler } from './index.js'

/** How long replayed ids are still checked after a replay: past gossipsub's message cache. */
const REPLAY_LINGER_MS = 30_000

/**
 * One local subscription to a topic. While a replay may bring copies of
 * messages that also came by gossip, it remembers the ids it delivered, so
 * each message reaches the handler once.
 */
export class LocalSubscriber {
  /**
   * Ids delivered while a replay may still bring copies of them: added to
   * while any replay runs (`replays` > 0), checked for a while after the
   * last ends (a relay's gossip can still offer a replayed message), then
   * dropped. `generation` tells a stale linger timer from a current one.
   */
  private recent?: { ids: Set<string>; replays: number; generation: number }

  constructor(
    private readonly handler: MessageHandler,
    /** The most ids remembered during a replay. */
    private readonly maxSeenIds: number,
    private readonly onHandlerError: (err: unknown, envelope: MessageEnvelope) => void
  ) {}

  /** Hands the message to the handler unless it already had it; true when it did now. */
  deliver(envelope: MessageEnvelope): boolean {
    const recent = this.recent
    if (recent != null) {
      if (recent.ids.has(envelope.id)) return false
      if (recent.replays > 0 && recent.ids.size < this.maxSeenIds) recent.ids.add(envelope.id)
    }
    try {
      const out = this.handler(envelope)
      if (out instanceof Promise) out.catch((err: unknown) => this.onHandlerError(err, envelope))
    } catch (err) {
      this.onHandlerError(err, envelope)
    }
    return true
  }

  beginReplay(): void {
    this.recent ??= { ids: new Set(), replays: 0, generation: 0 }
    this.recent.replays++
  }

  endReplay(): void {
    const recent = this.recent
    if (recent == null || --recent.replays > 0) return
    const generation = ++recent.generation
    setTimeout(() => {
      if (this.recent === recent && recent.replays === 0 && recent.generation === generation)
        this.recent = undefined
    }, REPLAY_LINGER_MS).unref()
  }
}
