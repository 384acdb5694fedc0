import type { PrivateKey } from '@libp2p/interface'
import type { AgentRuntime } from '@mesh-node/agents'
import {
  type CapabilityRegistry,
  membership as createMembership,
  type FailureDetector,
  type Membership,
  type MembershipInit,
  type StateGossip
} from '@mesh-node/membership'
import type { MeshLibp2p } from '@mesh-node/peer'
import type { TaskResultMessage } from '@mesh-node/protocol'
import {
  type CapabilityProviders,
  type CapabilityProvidersInit,
  createCapabilityProviders,
  discovery as createDiscovery,
  type Discovery,
  type DiscoveryInit
} from '@mesh-node/routing'
import { rpc as createRpcService, type Rpc } from '@mesh-node/rpc'
import {
  tasks as createTasks,
  type ExecutionStore,
  type OutboxStore,
  type Tasks,
  type TasksInit
} from '@mesh-node/tasks'
import type { Logger } from 'pino'

export interface MeshComponents {
  libp2p: MeshLibp2p
  /** The node's key: signs its own state for anti-entropy. */
  privateKey?: PrivateKey
  runtime: AgentRuntime
  log: Logger
  /** Durable outbox for results whose origin is away; in memory when absent. */
  outbox?: OutboxStore
  /** Durable record of tasks executed here, so repeats never run twice across restarts. */
  executions?: ExecutionStore
  /** The origin's side of a held result arriving late; returns whether the task is known. */
  acceptDeliveredResult?: (result: Omit<TaskResultMessage, 'type' | 'id'>, from: string) => boolean
  /** The journaled tokens of a task's attempts (`@mesh-node/tasks`). */
  attemptTokens?: (taskId: string) => Array<{ peer: string; token: string }>
}

export interface MeshInit extends MembershipInit {
  /** The DHT provider records of this node's capabilities (`@mesh-node/routing`). */
  providers?: CapabilityProvidersInit
  /** Finding the peers that can run a capability (`@mesh-node/routing`). */
  discovery?: DiscoveryInit
  tasks?: TasksInit
}

/** The mesh subsystems of one node, wired together: membership and tasks on one rpc. */
export interface Mesh {
  readonly membership: Membership
  readonly registry: CapabilityRegistry
  readonly rpc: Rpc
  readonly gossip: StateGossip
  readonly providers: CapabilityProviders
  readonly discovery: Discovery
  /** Submit, route, run, forward, de-duplicate: the task path (`@mesh-node/tasks`). */
  readonly tasks: Tasks
  readonly failureDetector: FailureDetector
  start(): Promise<void>
  stop(): Promise<void>
}

export function createMesh(components: MeshComponents, init: MeshInit = {}): Mesh {
  const { libp2p, runtime, log } = components
  const selfPeerId = libp2p.peerId.toString()
  const rpc = createRpcService()({ libp2p, log: log.child({ component: 'rpc' }) })
  const membership = createMembership(init)({ libp2p, privateKey: components.privateKey, rpc, runtime, log })
  const { registry, failureDetector, gossip } = membership
  const providers = createCapabilityProviders(
    { libp2p, capabilities: () => runtime.capabilities(), log: log.child({ component: 'providers' }) },
    init.providers
  )
  const discovery = createDiscovery(init.discovery)({
    runtime,
    registry,
    providers,
    rpc,
    events: libp2p,
    log: log.child({ component: 'router' })
  })
  const tasks = createTasks(init.tasks)({
    rpc,
    registry,
    discovery,
    runtime,
    events: libp2p,
    selfPeerId,
    log,
    executions: components.executions,
    outbox: components.outbox,
    acceptDeliveredResult: components.acceptDeliveredResult,
    attemptTokens: components.attemptTokens,
    privateKey: components.privateKey
  })

  return {
    membership,
    registry,
    rpc,
    gossip,
    providers,
    discovery,
    tasks,
    failureDetector,
    start: async () => {
      await membership.start()
      providers.start()
      discovery.start()
      await tasks.start()
      await rpc.start()
    },
    stop: async () => {
      await tasks.stop()
      discovery.stop()
      await rpc.stop()
      providers.stop()
      await membership.stop()
    }
  }
}
