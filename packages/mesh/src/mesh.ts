import type { IdentifyResult, PrivateKey } from '@libp2p/interface'
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
import { TASK_PROTOCOLS, type TaskResultMessage } from '@mesh-node/protocol'
import { rpc as createRpcService, type Rpc } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import { type Auctions, createAuctions } from './auction.js'
import { type Coordination, type CoordinationInit, createCoordination } from './coordination.js'
import { agentAsk, agentAskHandler } from './messages/agent-ask.js'
import { bid, bidHandler } from './messages/bid.js'
import { capabilityQuery, capabilityQueryHandler } from './messages/capability-query.js'
import { resultDelivery, resultDeliveryHandler } from './messages/result-delivery.js'
import { taskCancel, taskCancelHandler } from './messages/task-cancel.js'
import { taskPiece, taskPieceHandler } from './messages/task-piece.js'
import { taskRequest, taskRequestHandler, taskRequestOptions } from './messages/task-request.js'
import { createOutboxDelivery, type OutboxDelivery, type OutboxStore } from './outbox.js'
import { PeerStats } from './peer-stats.js'
import { createTaskPieces, type TaskPieces } from './pieces.js'
import { createTaskRouter, type ExecutionStore, type TaskRouter, type TaskRouterInit } from './router.js'

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
  /** Progress of coordination rounds, for the event stream. */
  emit?: (event: { type: string; [field: string]: unknown }) => void
  acceptDeliveredResult?: (result: Omit<TaskResultMessage, 'type' | 'id'>, from: string) => boolean
}

export interface MeshInit extends MembershipInit {
  router?: TaskRouterInit
  coordination?: CoordinationInit
}

/** The mesh subsystems of one node, wired together. */
export interface Mesh {
  readonly membership: Membership
  readonly registry: CapabilityRegistry
  readonly rpc: Rpc
  readonly gossip: StateGossip
  readonly providers: CapabilityProviders
  readonly router: TaskRouter
  readonly failureDetector: FailureDetector
  readonly outbox: OutboxDelivery
  readonly coordination: Coordination
  readonly auctions: Auctions
  /** Streamed progress and partial output of running tasks (§5.6). */
  readonly pieces: TaskPieces
  start(): Promise<void>
  stop(): Promise<void>
}

export function createMesh(components: MeshComponents, init: MeshInit = {}): Mesh {
  const { libp2p, runtime, log } = components
  const selfPeerId = libp2p.peerId.toString()
  const rpc = createRpcService()({ libp2p, log: log.child({ component: 'rpc' }) })
  const outbox = createOutboxDelivery({
    store: components.outbox ?? memoryOutbox(),
    rpc,
    log: log.child({ component: 'outbox' })
  })
  const membership = createMembership(init)({ libp2p, privateKey: components.privateKey, rpc, runtime, log })
  const { registry, failureDetector, gossip, providers } = membership
  const pieces = createTaskPieces({ rpc, selfPeerId, log: log.child({ component: 'pieces' }) })
  const router = createTaskRouter(
    {
      runtime,
      registry,
      rpc,
      providers,
      selfPeerId,
      executions: components.executions,
      pieces,
      log: log.child({ component: 'router' })
    },
    init.router
  )
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
  // This node's record of each peer's success rate and speed, from the tasks it sent.
  const startedAt = new Map<string, number>()
  router.onTaskEvent((event) => {
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

  // Ask each new mesh peer for its agents at once, rather than wait for its
  // next state heartbeat; and hand it any results it missed while away.
  const onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const { peerId, protocols } = evt.detail
    if (!TASK_PROTOCOLS.some((p) => protocols.includes(p))) return
    const id = peerId.toString()
    void router.queryPeer(id, 5_000).then((agents) => {
      if (agents != null) registry.upsertPeer(id, agents, 'query')
    })
    void outbox.flush(id)
  }

  // The message table: each request type, its owner's handler.
  rpc.handle(
    taskRequest,
    taskRequestHandler(router),
    taskRequestOptions((result) => outbox.hold(result))
  )
  rpc.handle(capabilityQuery, capabilityQueryHandler(router))
  rpc.handle(resultDelivery, resultDeliveryHandler(components.acceptDeliveredResult))
  rpc.handle(agentAsk, agentAskHandler(coordination))
  rpc.handle(bid, bidHandler(auctions))
  rpc.handle(taskCancel, taskCancelHandler(router))
  rpc.handle(taskPiece, taskPieceHandler(pieces))

  return {
    membership,
    registry,
    rpc,
    gossip,
    providers,
    router,
    failureDetector,
    outbox,
    coordination,
    auctions,
    pieces,
    start: async () => {
      await membership.start()
      await rpc.start()
      libp2p.addEventListener('peer:identify', onIdentify)
      await auctions.start()
      outbox.start()
    },
    stop: async () => {
      outbox.stop()
      await auctions.stop()
      libp2p.removeEventListener('peer:identify', onIdentify)
      await rpc.stop()
      await membership.stop()
    }
  }
}

/** For nodes without a journal (tests, embedding): held results last until exit. */
function memoryOutbox(): OutboxStore {
  const entries = new Map<
    string,
    { taskId: string; origin: string; message: unknown; attempts: number; nextAttemptAt: number }
  >()
  return {
    outboxPut: (e) => {
      entries.set(e.taskId, { ...e, attempts: 0, nextAttemptAt: Date.now() })
    },
    outboxDue: (now = Date.now(), limit = 32) =>
      [...entries.values()].filter((e) => e.nextAttemptAt <= now).slice(0, limit),
    outboxForOrigin: (origin) => [...entries.values()].filter((e) => e.origin === origin),
    outboxDeferred: (taskId, nextAttemptAt) => {
      const e = entries.get(taskId)
      if (e != null) {
        e.attempts++
        e.nextAttemptAt = nextAttemptAt
      }
    },
    outboxRemove: (taskId) => {
      entries.delete(taskId)
    }
  }
}
