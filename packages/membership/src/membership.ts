import { peerIdFromString } from '@libp2p/peer-id'
import type { Rpc } from '@mesh-node/rpc'
import { createStateGossip, type StateGossip } from '@mesh-node/state-gossip'
import { EXPIRY_INTERVAL_MS, PENDING_ADMISSION_MS, STATE_SYNC_TIMEOUT_MS } from './constants.js'
import { DepartedPurge } from './departed.js'
import { createFailureDetector, type FailureDetector } from './failure-detector.js'
import type { Membership, MembershipComponents, MembershipInit } from './index.js'
import { probeHandler, probeRequest } from './messages/probe.js'
import { stateSync, stateSyncHandler } from './messages/state-sync.js'
import { type CapabilityRegistry, createRegistry, localAgentAds } from './registry.js'

/**
 * Who is in the mesh, seen from three sides: the failure detector decides
 * liveness, the state gossip carries each member's agents, and the registry
 * answers lookups.
 */
export class DefaultMembership implements Membership {
  readonly registry: CapabilityRegistry
  readonly failureDetector: FailureDetector
  readonly gossip: StateGossip
  private readonly departed: DepartedPurge
  private readonly rpc: Rpc
  private expiry?: NodeJS.Timeout
  private readonly unsubscribe: Array<() => void> = []

  constructor(components: MembershipComponents, init: MembershipInit) {
    const { libp2p, runtime, rpc, log } = components
    const selfPeerId = libp2p.peerId.toString()
    this.rpc = rpc
    const failureDetector = createFailureDetector(
      { libp2p, rpc, log: log.child({ component: 'failure-detector' }) },
      init.failureDetector
    )
    this.failureDetector = failureDetector
    this.registry = createRegistry(
      {
        runtime,
        selfPeerId,
        isUnavailable: (peerId) => {
          const state = failureDetector.state(peerId)
          return state === 'suspect' || state === 'dead'
        },
        isDead: (peerId) => failureDetector.state(peerId) === 'dead',
        // Relayed state is no sign of life, so the detector holds alive only peers heard first-hand.
        isVerified: (peerId) => failureDetector.state(peerId) === 'alive',
        onExpired: (peerId) => this.gossip.expired(peerId)
      },
      init.registry
    )
    this.gossip = createStateGossip(
      {
        pubsub: libp2p.services.pubsub,
        registry: this.registry,
        selfPeerId,
        localAgents: () => localAgentAds(runtime),
        connectedPeers: () => libp2p.getPeers().map(String),
        onLocalChange: (listener) => runtime.onChange(listener),
        log: log.child({ component: 'state-gossip' }),
        sync: async (peerId, versions) =>
          (
            await rpc.request(
              stateSync,
              peerIdFromString(peerId),
              { versions },
              { timeoutMs: STATE_SYNC_TIMEOUT_MS }
            )
          ).signed ?? [],
        privateKey: components.privateKey,
        peers: () =>
          libp2p
            .getPeers()
            .map(String)
            .filter((p) => failureDetector.state(p) !== 'dead'),
        isDead: (peerId) => failureDetector.state(peerId) === 'dead',
        isPending: (peerId, sinceMs) => {
          const state = failureDetector.state(peerId)
          // Admitted but not (yet) a member: its state was not taken after all, or is on its way.
          if (state == null) return sinceMs < PENDING_ADMISSION_MS
          return state !== 'dead' && failureDetector.unverified(peerId)
        }
      },
      init.gossip
    )
    this.departed = new DepartedPurge(
      {
        failureDetector,
        registry: this.registry,
        gossip: this.gossip,
        peerStore: libp2p.peerStore,
        isConnected: (peerId) => libp2p.getConnections(peerIdFromString(peerId)).length > 0,
        selfPeerId,
        log: log.child({ component: 'departed' })
      },
      init.departed
    )
  }

  readonly [Symbol.toStringTag] = '@mesh-node/membership'

  async start(): Promise<void> {
    this.rpc.handle(probeRequest, probeHandler(this.failureDetector))
    this.rpc.handle(stateSync, stateSyncHandler(this.gossip))
    this.unsubscribe.push(
      // Only a peer's own words are a sign of life, relayed state never; its gossip,
      // which can be replayed, counts only as far as `heard` says (PROTOCOL §8.1).
      this.registry.onEvent((event) => {
        if (event.type !== 'peer_updated') return
        if (event.source === 'query') this.failureDetector.heard(event.peerId)
        else if (event.source === 'gossip') this.failureDetector.heard(event.peerId, 'gossip')
      }),
      // The dead leave the registry, and their gossip versions are forgotten.
      this.failureDetector.onEvent((event) => {
        if (event.type !== 'peer_dead') return
        this.registry.removePeer(event.peerId, 'dead')
        this.gossip.forget(event.peerId)
      })
    )
    await this.gossip.start()
    this.failureDetector.start()
    this.departed.start()
    this.expiry = setInterval(() => this.registry.expire(), EXPIRY_INTERVAL_MS)
  }

  async stop(): Promise<void> {
    clearInterval(this.expiry)
    this.departed.stop()
    this.failureDetector.stop()
    await this.gossip.stop()
    for (const off of this.unsubscribe.splice(0)) off()
    this.rpc.unhandle(probeRequest)
    this.rpc.unhandle(stateSync)
  }
}
