import type { IdentifyResult } from '@libp2p/interface'
import { MAX_HOPS, TASK_PROTOCOLS } from '@mesh-node/protocol'
import { leastLoaded } from '@mesh-node/routing'
import {
  AttemptTokens,
  CancelTable,
  createOutboxDelivery,
  createTaskPieces,
  memoryOutbox,
  type OutboxDelivery,
  RejectedResults,
  ResultAcks,
  RunningTable,
  resultAck,
  resultAckHandler,
  resultDelivery,
  resultDeliveryHandler,
  SilentPeers,
  type TaskPieces,
  taskCancel,
  taskCancelHandler,
  taskPiece,
  taskPieceHandler,
  taskRunning,
  taskRunningHandler
} from '@mesh-node/task-relay'
import { DEFAULT_EXECUTED_CACHE_SIZE, DEFAULT_MAX_HOPS, DEFAULT_TRANSPORT_RETRIES } from './constants.js'
import { Dedup } from './dedup.js'
import { Dispatch } from './dispatch.js'
import { TaskEvents } from './events.js'
import { Executor } from './executor.js'
import { Forwarder } from './forwarder.js'
import type { Tasks, TasksComponents, TasksInit } from './index.js'
import { taskRequest, taskRequestHandler, taskRequestOptions } from './messages/task-request.js'
import { Origin } from './origin.js'
import { Receiver } from './receiver.js'
import type { SubmitOptions, TaskEvent, TaskOutcome } from './types.js'

/** The task path of one node, its parts wired once, here: nothing is bound late. */
export class DefaultTasks implements Tasks {
  readonly pieces: TaskPieces
  readonly outbox: OutboxDelivery
  readonly rejected = new RejectedResults()
  private readonly events = new TaskEvents()
  private readonly cancels: CancelTable
  private readonly running: RunningTable
  private readonly tokens: AttemptTokens
  private readonly origin: Origin
  private readonly receiver: Receiver
  private readonly acks: ResultAcks

  constructor(
    private readonly c: TasksComponents,
    init: TasksInit
  ) {
    const { rpc, registry, runtime, selfPeerId, log } = c
    this.tokens = new AttemptTokens(c.attemptTokens)
    const events = this.events
    this.pieces = createTaskPieces({ rpc, selfPeerId, log: log.child({ component: 'pieces' }) })
    this.outbox = createOutboxDelivery({
      store: c.outbox ?? memoryOutbox(),
      rpc,
      log: log.child({ component: 'outbox' })
    })
    this.acks = new ResultAcks((result) => this.outbox.hold(result), log.child({ component: 'acks' }))
    this.cancels = new CancelTable(rpc, log.child({ component: 'cancel' }), init.cancels)
    const running = new RunningTable({ rpc, selfPeerId, log: log.child({ component: 'running' }) })
    this.running = running
    const routerLog = log.child({ component: 'router' })
    const { pieces, cancels } = this
    const { discovery } = c
    const silence = new SilentPeers()
    const executor = new Executor({
      runtime,
      selfPeerId,
      events,
      pieces,
      executions: c.executions,
      running,
      log: routerLog
    })
    const dispatch = new Dispatch({
      registry,
      silence,
      discovery,
      strategy: init.strategy ?? leastLoaded,
      executor,
      forwarder: new Forwarder(
        {
          rpc,
          registry,
          discovery,
          cancels,
          events,
          selfPeerId,
          pieces,
          silence,
          running,
          tokens: this.tokens,
          rejected: this.rejected,
          privateKey: c.privateKey,
          log: routerLog
        },
        {
          maxHops: Math.min(init.maxHops ?? DEFAULT_MAX_HOPS, MAX_HOPS),
          transportRetries: init.transportRetries ?? DEFAULT_TRANSPORT_RETRIES
        }
      )
    })
    this.origin = new Origin({ dispatch, events, selfPeerId, log: routerLog })
    const dedup = new Dedup(init.executedCacheSize ?? DEFAULT_EXECUTED_CACHE_SIZE, c.executions != null)
    this.receiver = new Receiver({
      dispatch,
      dedup,
      executor,
      cancels,
      selfPeerId,
      privateKey: c.privateKey,
      log: routerLog
    })
  }

  async submit(options: SubmitOptions): Promise<TaskOutcome> {
    return await this.origin.submit(options)
  }

  onTaskEvent(listener: (event: TaskEvent) => void): () => void {
    return this.events.on(listener)
  }

  async start(): Promise<void> {
    const { rpc } = this.c
    // The task protocol's messages this package owns, each with its handler.
    rpc.handle(
      taskRequest,
      taskRequestHandler(this.receiver),
      taskRequestOptions((result) => this.outbox.hold(result), this.acks)
    )
    rpc.handle(resultAck, resultAckHandler(this.acks))
    rpc.handle(
      resultDelivery,
      resultDeliveryHandler({
        accept: this.c.acceptDeliveredResult,
        tokens: this.tokens,
        rejected: this.rejected,
        log: this.c.log
      })
    )
    rpc.handle(taskCancel, taskCancelHandler(this.cancels))
    rpc.handle(taskPiece, taskPieceHandler(this.pieces))
    rpc.handle(taskRunning, taskRunningHandler(this.running))
    this.c.events.addEventListener('peer:identify', this.onIdentify)
    this.outbox.start()
  }

  async stop(): Promise<void> {
    this.acks.stop()
    this.outbox.stop()
    this.c.events.removeEventListener('peer:identify', this.onIdentify)
    for (const def of [taskRequest, resultDelivery, taskCancel, taskPiece, taskRunning, resultAck])
      this.c.rpc.unhandle(def)
  }

  /** Hands each new mesh peer the results it missed while away (routing asks it for its agents). */
  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const { peerId, protocols } = evt.detail
    if (TASK_PROTOCOLS.some((p) => protocols.includes(p))) void this.outbox.flush(peerId.toString())
  }
}
