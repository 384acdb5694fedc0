import type { PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { MeshLibp2p } from '@mesh-node/peer'
import type { Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import { LocalHealth, type LocalHealthInit, suspicionTimeoutFor } from './local-health.js'
import { probeRequest } from './messages/probe.js'

export type MemberState = 'alive' | 'suspect' | 'dead'

export interface Member {
  peerId: string
  state: MemberState
  /** When we last had any sign of life (heartbeat, connection, probe), epoch ms. */
  lastHeardAt: number
  suspectedAt?: number
  deadAt?: number
  /** Heard of only by gossip, not yet reached: suspect until a probe answers. */
  unverified?: boolean
}

export type MembershipEvent = {
  type: 'peer_suspect' | 'peer_alive' | 'peer_dead'
  peerId: string
  reason: string
}

export interface FailureDetectorComponents {
  libp2p: Pick<MeshLibp2p, 'services' | 'hangUp' | 'addEventListener' | 'removeEventListener'>
  rpc: Pick<Rpc, 'request' | 'closeSession'>
  log: Logger
}

/**
 * Timings, SWIM-style with Lifeguard's ideas: a silent peer is probed
 * directly, then through others, then suspected; only a suspicion that
 * outlives its timeout makes it dead. A node whose own event loop stalled
 * blames nobody for the silence it caused.
 */
export interface FailureDetectorInit {
  /** Silence before a peer is probed; keep it at 2.5 heartbeats or more. @default 5000 */
  suspectAfterMs?: number
  /** Direct and indirect probe timeout. @default 750 */
  probeTimeoutMs?: number
  /** Peers asked to probe indirectly. @default 3 */
  indirectProbes?: number
  /**
   * How long a suspect may stay unconfirmed-alive before it is dead, in a
   * mesh of up to 10 members; it grows with log10 of the member count
   * (`suspicionTimeoutFor`). @default 1500
   */
  suspicionTimeoutMs?: number
  /** Local health: how a lagging event loop stretches every timeout (`LocalHealth`). */
  localHealth?: LocalHealthInit
  /** Detector tick. @default 250 */
  intervalMs?: number
}

/**
 * How a sign of life reached this node. `first-hand`: the peer itself, on a
 * connection to us (a connection, a ping or a reply). `gossip`: its own
 * signed state, which any member can hold and replay after it died.
 */
export type HeardBy = 'first-hand' | 'gossip'

export interface FailureDetector {
  /**
   * A sign of life. First-hand it makes the peer alive. Gossip keeps alive
   * a peer that is alive already, and refutes suspicion of a peer that was
   * reached before (first-hand or through a helper); otherwise (a peer never verified, or held dead) it
   * only has the peer probed, so a replayed state cannot bring it in.
   */
  heard(peerId: string, by?: HeardBy): void
  members(): Member[]
  state(peerId: string): MemberState | undefined
  /** Heard of only through gossip and never reached (by itself or a helper). */
  unverified(peerId: string): boolean
  onEvent(listener: (event: MembershipEvent) => void): () => void
  /** Drops a member (departed long since, or over the member cap), as if never heard of; false if unknown. */
  forget(peerId: string): boolean
  /** This node's local health score: 0 when healthy; every timeout is stretched by score + 1. */
  localHealth(): number
  /** Answers a probe_request: can this node reach `target` right now? */
  probe(target: string, timeoutMs: number): Promise<boolean>
  start(): void
  stop(): void
}

class SwimFailureDetector implements FailureDetector {
  private readonly members_ = new Map<string, Member>()
  private readonly listeners = new Set<(event: MembershipEvent) => void>()
  private readonly probing = new Set<string>()
  /** When gossip last had a dead member probed: at most one such probe per interval. */
  private readonly deadProbedAt = new Map<string, number>()
  private timer?: NodeJS.Timeout
  private lastTick = Date.now()
  private readonly suspectAfter: number
  private readonly probeTimeout: number
  private readonly suspicionTimeout: number
  private readonly interval: number
  private readonly health: LocalHealth

  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    this.heard(evt.detail.toString())
  }

  private readonly onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const peerId = evt.detail.toString()
    const m = this.members_.get(peerId)
    if (m == null || m.state !== 'alive') return
    // A closed connection is strong evidence: suspect now and probe at once,
    // rather than wait for heartbeats to go missing.
    this.suspect(m, 'connection closed')
    void this.check(m)
  }

  constructor(
    private readonly components: FailureDetectorComponents,
    init: FailureDetectorInit
  ) {
    this.suspectAfter = init.suspectAfterMs ?? 5000
    this.probeTimeout = init.probeTimeoutMs ?? 750
    this.suspicionTimeout = init.suspicionTimeoutMs ?? 1500
    this.interval = init.intervalMs ?? 250
    this.indirect = init.indirectProbes ?? 3
    this.health = new LocalHealth(init.localHealth)
  }

  private readonly indirect: number

  start(): void {
    this.components.libp2p.addEventListener('peer:connect', this.onConnect)
    this.components.libp2p.addEventListener('peer:disconnect', this.onDisconnect)
    this.lastTick = Date.now()
    this.timer = setInterval(() => this.tick(), this.interval)
  }

  stop(): void {
    clearInterval(this.timer)
    this.components.libp2p.removeEventListener('peer:connect', this.onConnect)
    this.components.libp2p.removeEventListener('peer:disconnect', this.onDisconnect)
  }

  onEvent(listener: (event: MembershipEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  members(): Member[] {
    return [...this.members_.values()].map((m) => ({ ...m }))
  }

  state(peerId: string): MemberState | undefined {
    return this.members_.get(peerId)?.state
  }

  unverified(peerId: string): boolean {
    return this.members_.get(peerId)?.unverified === true
  }

  forget(peerId: string): boolean {
    this.deadProbedAt.delete(peerId)
    return this.members_.delete(peerId)
  }

  localHealth(): number {
    return this.health.score
  }

  /** The suspicion timeout now: grown with the mesh, stretched by our own ill health. */
  private suspicionTimeoutNow(): number {
    let members = 1
    for (const m of this.members_.values()) if (m.state !== 'dead') members++
    return suspicionTimeoutFor(this.suspicionTimeout, members) * this.health.multiplier()
  }

  heard(peerId: string, by: HeardBy = 'first-hand'): void {
    if (by === 'gossip' && !this.gossipCounts(peerId)) return
    const now = Date.now()
    const m = this.members_.get(peerId)
    if (m == null) {
      this.members_.set(peerId, { peerId, state: 'alive', lastHeardAt: now })
      return
    }
    m.lastHeardAt = now
    if (m.state !== 'alive') {
      const was = m.state
      m.state = 'alive'
      m.suspectedAt = undefined
      m.deadAt = undefined
      // A peer heard of only by gossip and now verified was never alive here: no transition to report.
      if (m.unverified === true) {
        m.unverified = undefined
        return
      }
      this.emit({ type: 'peer_alive', peerId, reason: was === 'dead' ? 'rejoined' : 'suspicion refuted' })
    }
  }

  /**
   * Whether a gossiped state may count as a sign of life. A peer first heard
   * of by gossip is held suspect (unverified, no event) and probed at once;
   * a dead one is probed directly, at most once per suspicion period.
   */
  private gossipCounts(peerId: string): boolean {
    const now = Date.now()
    const m = this.members_.get(peerId)
    if (m == null) {
      const fresh: Member = { peerId, state: 'suspect', lastHeardAt: now, suspectedAt: now, unverified: true }
      this.members_.set(peerId, fresh)
      void this.check(fresh)
      return false
    }
    if (m.state === 'alive') return true
    if (m.state === 'suspect') return m.unverified !== true
    if (now - (this.deadProbedAt.get(peerId) ?? 0) >= this.suspectAfter) {
      this.deadProbedAt.set(peerId, now)
      void this.ping(peerId, this.probeTimeout * this.health.multiplier()).then((up) => {
        if (up && this.members_.get(peerId)?.state === 'dead') this.heard(peerId)
      })
    }
    return false
  }

  async probe(target: string, timeoutMs: number): Promise<boolean> {
    return await this.ping(target, Math.min(timeoutMs, this.probeTimeout * 2))
  }

  private async ping(target: string, timeoutMs: number): Promise<boolean> {
    try {
      await this.components.libp2p.services.ping.ping(peerIdFromString(target), {
        signal: AbortSignal.timeout(timeoutMs)
      })
      return true
    } catch {
      return false
    }
  }

  private tick(): void {
    const now = Date.now()
    const lag = now - this.lastTick - this.interval
    this.lastTick = now
    if (lag > this.suspectAfter / 2) {
      // We were frozen (SIGSTOP, a blocked loop): everyone's silence is ours.
      this.components.log.warn(
        { lagMs: lag },
        'local event loop stalled; granting peers a fresh grace period'
      )
      for (const m of this.members_.values()) {
        if (m.state === 'dead') continue
        m.lastHeardAt = now
        if (m.suspectedAt != null) m.suspectedAt = now
      }
      return
    }
    this.health.tick(lag)
    const suspectAfter = this.suspectAfter * this.health.multiplier()
    const suspicionTimeout = this.suspicionTimeoutNow()
    for (const m of this.members_.values()) {
      if (m.state === 'alive' && now - m.lastHeardAt > suspectAfter) void this.check(m)
      else if (m.state === 'suspect') {
        // While our own loop lags the timeout is stretched: keep probing
        // rather than trust verdicts our own lateness may have caused.
        if (now - (m.suspectedAt ?? now) > suspicionTimeout) this.declareDead(m)
        else void this.check(m)
      }
    }
  }

  /** Direct probe, then indirect through a few other live peers. */
  private async check(m: Member): Promise<void> {
    if (this.probing.has(m.peerId)) return
    this.probing.add(m.peerId)
    const stretch = this.health.multiplier()
    const probeTimeout = this.probeTimeout * stretch
    try {
      if (await this.ping(m.peerId, probeTimeout)) {
        this.heard(m.peerId)
        return
      }
      if (m.state === 'dead') return
      const helpers = [...this.members_.values()]
        .filter((x) => x.state === 'alive' && x.peerId !== m.peerId)
        .sort(() => Math.random() - 0.5)
        .slice(0, this.indirect)
      // 'no answer' (the helper itself did not reply in time) differs from 'unreachable'.
      const answers = await Promise.all(
        helpers.map(async (h) => {
          try {
            const reply = await this.components.rpc.request(
              probeRequest,
              peerIdFromString(h.peerId),
              { target: m.peerId },
              { timeoutMs: probeTimeout * 2 + 250 }
            )
            return reply.reachable
          } catch {
            return undefined
          }
        })
      )
      if (answers.some((a) => a === true)) {
        // A helper reached it and we did not: the fault was likely ours (Lifeguard),
        // unless we never reached the peer ourselves (it may just have no route to us).
        if (m.unverified !== true) this.health.raise()
        this.heard(m.peerId)
        return
      }
      // Nobody even answered us: more likely we are the slow one than all of them.
      if (helpers.length > 0 && answers.every((a) => a === undefined)) this.health.raise()
      if (m.state === 'alive') this.suspect(m, 'probes failed')
    } finally {
      this.probing.delete(m.peerId)
    }
  }

  private suspect(m: Member, reason: string): void {
    m.state = 'suspect'
    m.suspectedAt = Date.now()
    this.components.log.info({ remotePeer: m.peerId, reason }, 'peer suspected')
    this.emit({ type: 'peer_suspect', peerId: m.peerId, reason })
  }

  private declareDead(m: Member): void {
    m.state = 'dead'
    m.deadAt = Date.now()
    this.components.log.warn({ remotePeer: m.peerId }, 'peer declared dead')
    // Fail its in-flight requests now, so their tasks move elsewhere.
    this.components.rpc.closeSession(m.peerId, 'peer declared dead')
    this.components.libp2p.hangUp(peerIdFromString(m.peerId)).catch(() => {})
    this.emit({ type: 'peer_dead', peerId: m.peerId, reason: 'suspicion timed out' })
  }

  private emit(event: MembershipEvent): void {
    for (const l of this.listeners) {
      try {
        l(event)
      } catch {
        /* listeners must not break detection */
      }
    }
  }
}

export function createFailureDetector(
  components: FailureDetectorComponents,
  init: FailureDetectorInit = {}
): FailureDetector {
  return new SwimFailureDetector(components, init)
}
