import { dispatcherSubmit, nodeNames } from '@mesh-node/control-api'
import { coordination } from '@mesh-node/coordination'
import {
  bufferedExecutions,
  createTaskDispatcher,
  createTaskStore,
  createTraceStore,
  type TaskDispatcher
} from '@mesh-node/dispatch'
import { publishMeshEvents } from '@mesh-node/events'
import { createMesh, type Mesh } from '@mesh-node/mesh'
import { type Messaging, messaging } from '@mesh-node/messaging'
import { directDelivery } from '../agent-topics.js'
import type { Cleanups } from './cleanups.js'
import { meshInit } from './mesh-init.js'
import type { NodeParts, ServiceParts } from './parts.js'

/** The mesh, the journaled dispatcher, coordination and messaging, started and wired to each other. */
export async function startServices(
  c: Pick<NodeParts, 'plan' | 'log' | 'privateKey' | 'peer' | 'runtime' | 'journal' | 'events'>,
  cleanups: Cleanups
): Promise<ServiceParts> {
  const { plan, log, peer, runtime, journal, events } = c
  const selfPeerId = peer.peerId.toString()
  const executions = bufferedExecutions(journal)
  cleanups.push(() => executions.flush())
  // The dispatcher needs the mesh's tasks, and the mesh hands it delivered results.
  let dispatcher: TaskDispatcher | undefined
  const mesh = createMesh(
    {
      libp2p: peer.libp2p,
      privateKey: c.privateKey,
      runtime,
      log,
      outbox: journal,
      executions,
      acceptDeliveredResult: (result, from) => dispatcher?.acceptDelivered(result, from) ?? false,
      attemptTokens: (taskId) => journal.attemptTokens(taskId)
    },
    meshInit(plan.config, plan.nodeName)
  )
  const names = nodeNames(selfPeerId, plan.nodeName, (id) => mesh.gossip.nodeInfo(id)?.name)
  publishMeshEvents(events, mesh, journal, names)
  const traces = createTraceStore({ persisted: (taskId) => journal.trace(taskId) })
  const started = createTaskDispatcher({
    journal,
    tasks: mesh.tasks,
    rejected: mesh.tasks.rejected,
    registry: mesh.registry,
    selfPeerId,
    connectedPeers: () => peer.connectedPeers().length,
    traces,
    log: log.child({ component: 'dispatcher' })
  })
  dispatcher = started
  const rounds = coordination()({
    rpc: mesh.rpc,
    pubsub: peer.libp2p.services.pubsub,
    registry: mesh.registry,
    runtime,
    tasks: mesh.tasks,
    submit: dispatcherSubmit(started),
    selfPeerId,
    log,
    emit: (event) => events.publish(event)
  })
  await mesh.start()
  await rounds.start()
  cleanups.push(async () => {
    await mesh.stop()
  })
  cleanups.push(async () => {
    await rounds.stop()
  })
  const bus = await startMessaging(c, mesh, cleanups)
  const seen = createTaskStore()
  // The journal keeps this node's own tasks; this keeps what it did for others.
  mesh.tasks.onTaskEvent((event) => {
    if (event.role !== 'origin') seen.record(event)
  })
  started.start()
  cleanups.push(() => started.stop())
  return { mesh, names, traces, dispatcher: started, rounds, bus, seen }
}

async function startMessaging(
  c: Pick<NodeParts, 'log' | 'peer' | 'runtime'>,
  mesh: Mesh,
  cleanups: Cleanups
): Promise<Messaging> {
  const bus = messaging()({
    libp2p: c.peer.libp2p,
    pubsub: c.peer.libp2p.services.pubsub,
    log: c.log.child({ component: 'messaging' }),
    deliverDirect: directDelivery(c.runtime),
    rpc: mesh.rpc
  })
  await bus.start()
  cleanups.push(async () => {
    await bus.stop()
  })
  return bus
}
