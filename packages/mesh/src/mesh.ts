import type { PrivateKey } from '@libp2p/interface'
import type { AgentRuntime } from '@mesh-node/agents'
import {
  type CapabilityProviders,
  type CapabilityRegistry,
  membership as createMembership,
  type FailureDetector,
  type Membership,
  type MembershipInit,
  type StateGossip
} from '@mesh-node/membership'
import type { MeshLibp2p } from '@mesh-node/peer'
import type { TaskResultMessage } from '@mesh-node/protocol'
import { rpc as createRpcService, type Rpc } from '@mesh-node/rpc'
import {
  tasks as createTasks,
  type ExecutionStore,
  type OutboxStore,
  type Tasks,
  type TasksInit
} from '@mesh-node/tasks'
import type { Logger } from 'pino'
import { type Auctions, createAuctions } from './auction.js'
import { type Coordination, type CoordinationInit, createCoordination } from './coordination.js'
import { agentAsk, agentAskHandler } from './messages/agent-ask.js'
import { bid, bidHandler } from './messages/bid.js'
import { PeerStats } from './peer-stats.js'

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
  /** Progress of coordination rounds, for the event stream. */
  emit?: (event: { type: string; [field: string]: unknown }) => void
  /** The origin's side of a held result arriving late; returns whether the task is known. */
  acceptDeliveredResult?: (result: Omit<TaskResultMessage, 'type' | 'id'>, from: string) => boolean
}

export interface MeshInit extends MembershipInit {
  tasks?: TasksInit
  coordination?: CoordinationInit
}

/** The mesh subsystems of one node, wired together. */
export interface Mesh {
  readonly membership: Membership
  readonly registry: CapabilityRegistry
  readonly rpc: Rpc
  readonly gossip: StateGossip
  readonly providers: CapabilityProviders
  /** Submit, route, run, forward, de-duplicate: the task path (`@mesh-node/tasks`). */
  readonly tasks: Tasks
  readonly failureDetector: FailureDetector
  readonly coordination: Coordination
  readonly auctions: Auctions
  start(): Promise<void>
  stop(): Promise<void>
}

export function createMesh(components: MeshComponents, init: MeshInit = {}): Mesh {
  const { libp2p, runtime, log } = components
  const selfPeerId = libp2p.peerId.toString()
  const rpc = createRpcService()({ libp2p, log: log.child({ component: 'rpc' }) })
  const membership = createMembership(init)({ libp2p, privateKey: components.privateKey, rpc, runtime, log })
  const { registry, failureDetector, gossip, providers } = membership
  const tasks = createTasks(init.tasks)({
    rpc,
    registry,
    providers,
    runtime,
    events: libp2p,
    selfPeerId,
    log,
    executions: components.executions,
    outbox: components.outbox,
    acceptDeliveredResult: components.acceptDeliveredResult
  })
  const coordination = createCoordination(
    {
      runtime,
      registry,
      rpc,
      selfPeerId,
      log: log.child({ component: 'coordination' }),
      emit: components.emit
    },
    init.coordination
  )
  const stats = new PeerStats()
  const auctions = createAuctions({
    stats,
    pubsub: libp2p.services.pubsub,
    rpc,
    runtime,
    registry,
    selfPeerId,
    log: log.child({ component: 'auction' })
  })
  feedPeerStats(tasks, stats)

  // The coordination messages; the task messages are registered by tasks.start().
  rpc.handle(agentAsk, agentAskHandler(coordination))
  rpc.handle(bid, bidHandler(auctions))

  return {
    membership,
    registry,
    rpc,
    gossip,
    providers,
    tasks,
    failureDetector,
    coordination,
    auctions,
    start: async () => {
      await membership.start()
      await tasks.start()
      await rpc.start()
      await auctions.start()
    },
    stop: async () => {
      await tasks.stop()
      await auctions.stop()
      await rpc.stop()
      await membership.stop()
    }
  }
}

/** This node's record of each peer's success rate and speed, from the tasks it sent. */
function feedPeerStats(tasks: Tasks, stats: PeerStats): void {
  const startedAt = new Map<string, number>()
  tasks.onTaskEvent((event) => {
    if (event.role !== 'origin') return
    if (event.status === 'started') startedAt.set(event.taskId, event.at)
    else if ((event.status === 'completed' || event.status === 'failed') && event.executor != null) {
      stats.record(
        event.executor,
        event.status === 'completed',
        event.at - (startedAt.get(event.taskId) ?? event.at)
      )
      startedAt.delete(event.taskId)
    }
  })
}
