import type { IdentifyResult, PeerId } from '@libp2p/interface'
import type { AgentRuntime } from '@mesh-node/agents'
import type { MeshLibp2p } from '@mesh-node/peer'
import { TASK_PROTOCOL } from '@mesh-node/protocol'
import type { Logger } from 'pino'
import {
  type CapabilityProviders,
  type CapabilityProvidersInit,
  createCapabilityProviders
} from './providers.js'
import { type CapabilityRegistry, createRegistry, type RegistryInit } from './registry.js'
import { createTaskRouter, localAgentAds, type TaskRouter, type TaskRouterInit } from './router.js'
import { createStateGossip, type StateGossip, type StateGossipInit } from './state-gossip.js'
import { createTaskProtocol, type TaskProtocol } from './task-protocol.js'

export interface MeshComponents {
  libp2p: MeshLibp2p
  runtime: AgentRuntime
  log: Logger
}

export interface MeshInit {
  registry?: RegistryInit
  gossip?: StateGossipInit
  providers?: CapabilityProvidersInit
  router?: TaskRouterInit
}

/** The mesh subsystems of one node, wired together. */
export interface Mesh {
  readonly registry: CapabilityRegistry
  readonly protocol: TaskProtocol
  readonly gossip: StateGossip
  readonly providers: CapabilityProviders
  readonly router: TaskRouter
  start(): Promise<void>
  stop(): Promise<void>
}

export function createMesh(components: MeshComponents, init: MeshInit = {}): Mesh {
  const { libp2p, runtime, log } = components
  const selfPeerId = libp2p.peerId.toString()
  const registry = createRegistry({ runtime, selfPeerId }, init.registry)
  let router: TaskRouter | undefined
  const protocol = createTaskProtocol(
    { libp2p, log: log.child({ component: 'task-protocol' }) },
    {
      handlers: {
        taskRequest: async (msg, remote) => await router!.handleRequest(msg, remote),
        capabilityQuery: (query) => router!.capabilityReply(query)
      }
    }
  )
  const providers = createCapabilityProviders(
    { libp2p, capabilities: () => runtime.capabilities(), log: log.child({ component: 'providers' }) },
    init.providers
  )
  router = createTaskRouter(
    { runtime, registry, protocol, providers, selfPeerId, log: log.child({ component: 'router' }) },
    init.router
  )
  const gossip = createStateGossip(
    {
      pubsub: libp2p.services.pubsub,
      registry,
      selfPeerId,
      localAgents: () => localAgentAds(runtime),
      onLocalChange: (listener) => runtime.onChange(listener),
      log: log.child({ component: 'state-gossip' })
    },
    init.gossip
  )

  // Ask each new mesh peer for its agents at once, rather than wait for its
  // next state heartbeat.
  const onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const { peerId, protocols } = evt.detail
    if (!protocols.includes(TASK_PROTOCOL)) return
    void router!.queryPeer(peerId.toString(), 5_000).then((agents) => {
      if (agents != null) registry.upsertPeer(peerId.toString(), agents, 'query')
    })
  }
  const onDisconnect = (evt: CustomEvent<PeerId>): void => {
    registry.removePeer(evt.detail.toString(), 'disconnected')
  }
  let expiry: NodeJS.Timeout | undefined

  return {
    registry,
    protocol,
    gossip,
    providers,
    router,
    start: async () => {
      await protocol.start()
      libp2p.addEventListener('peer:identify', onIdentify)
      libp2p.addEventListener('peer:disconnect', onDisconnect)
      await gossip.start()
      providers.start()
      expiry = setInterval(() => registry.expire(), 1000)
    },
    stop: async () => {
      clearInterval(expiry)
      providers.stop()
      await gossip.stop()
      libp2p.removeEventListener('peer:identify', onIdentify)
      libp2p.removeEventListener('peer:disconnect', onDisconnect)
      await protocol.stop()
    }
  }
}
