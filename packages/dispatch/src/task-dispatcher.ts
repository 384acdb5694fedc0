import { randomUUID } from 'node:crypto'
import type { NewTask, TaskRecord } from '@mesh-node/journal'
import { type AttemptObserver, TaskCancelledError, traceFor } from '@mesh-node/tasks'
import { guardDeadline } from './deadline-guard.js'
import { applyDelivered } from './delivered-result.js'
import { DispatchPump } from './dispatch-pump.js'
import type {
  DispatcherComponents,
  DispatcherInit,
  Replay,
  SubmitRequest,
  TaskDispatcher
} from './dispatcher-types.js'
import { JournalWrites } from './journal-writes.js'
import { TERMINAL, waitForEnd } from './task-end.js'
import { BIDDER_ABSENT, sendOnRoute } from './task-route.js'

export type { DispatcherComponents, DispatcherInit, Replay, SubmitRequest, TaskDispatcher }

/** The trace id a task's log lines carry: the caller's, else the one the tasks package derives from the task id. */
const traceIdOf = (taskId: string, traceparent?: string): string => traceFor(taskId, traceparent).traceId

const WAIT_CODES = new Set(['no_agent', 'all_busy'])

class JournalDispatcher implements TaskDispatcher {
  private readonly running = new Map<string, AbortController>()
  private readonly waiting = new Set<string>()
  /** Resumed tasks and when their grace ends. */
  private readonly resumed = new Map<string, number>()
  private timer?: NodeJS.Timeout
  private unsubscribe?: () => void
  private stopped = false
  private readonly startedAt = Date.now()
  /** Tasks whose grace is the warm-up: it ends early once the node has heard of the mesh. */
  private readonly warming = new Set<string>()
  /**
   * Resumed tasks that were out with an executor when this node stopped: the
   * executor they wait for, during their grace. It may still be running the
   * task, or hold its result in its executions record; sending the task to
   * another peer meanwhile would run it twice.
   */
  private readonly awaiting = new Map<string, string>()
  private readonly writes: JournalWrites
  private readonly pump: DispatchPump

  constructor(
    private readonly c: DispatcherComponents,
    private readonly init: DispatcherInit
  ) {
    this.pump = new DispatchPump(init.pump)
    this.writes = new JournalWrites(c.journal, (count) => this.pump.accepted(count))
  }

  start(): void {
    // Whatever was in flight when this node last stopped (or crashed) goes again.
    const unfinished = this.c.journal.unfinished()
    if (unfinished.length > 0)
      this.c.log.info({ count: unfinished.length }, 'resuming unfinished tasks from the journal')
    for (const task of unfinished) {
      const previous = task.status !== 'queued' ? task.attempts.at(-1)?.executor : undefined
      // Auctions and targets already keep to their own peers (task-route.ts).
      if (previous != null && previous !== this.c.selfPeerId && task.route == null)
        this.awaiting.set(task.taskId, previous)
      if (task.status !== 'queued')
        this.c.journal.requeue(task.taskId, 'lost', {
          code: 'origin_restarted',
          message: 'the origin restarted during this attempt'
        })
      // The grace never outlasts the deadline set at acceptance.
      this.resumed.set(task.taskId, Math.min(Date.now() + (this.init.resumeGraceMs ?? 20_000), task.deadline))
      this.dispatch(task)
    }
    this.unsubscribe = this.c.registry.onEvent((event) => {
      if (event.type !== 'agent_joined') return
      // The first remote agent ends the warm-up: tasks waiting on it look again.
      this.retryWaiting(this.warming.size > 0 && !this.warmingUp() ? undefined : event.agent.capabilities)
    })
    this.timer = setInterval(() => this.retryWaiting(), this.init.retryIntervalMs ?? 2000)
  }

  stop(): void {
    this.stopped = true
    clearInterval(this.timer)
    this.unsubscribe?.()
    this.pump.stop()
    // In-flight attempts stay 'assigned' in the journal and resume on restart.
    for (const controller of this.running.values()) controller.abort(new Error('node stopping'))
  }

  submit(request: SubmitRequest): TaskRecord {
    const task = this.c.journal.accept(this.newTask(request))
    this.launch(task, request)
    return task
  }

  async submitDurable(request: SubmitRequest): Promise<TaskRecord> {
    this.pump.assertRoom()
    const fresh = this.newTask(request)
    const task = await this.writes.run(() => this.c.journal.accept(fresh), 'accept')
    // After the answer that it was accepted: dispatching is not part of accepting.
    setImmediate(() => this.launch(task, request))
    return task
  }

  private newTask(request: SubmitRequest): NewTask {
    return {
      taskId: request.taskId ?? randomUUID(),
      capability: request.capability,
      input: request.input,
      origin: this.c.selfPeerId,
      timeoutMs: request.timeoutMs,
      queue: request.queue,
      retry: request.retry,
      // Absolute: set once here, journaled, and never moved by a re-dispatch or a restart.
      deadline: Date.now() + (request.queue ? (this.init.queueTtlMs ?? 86_400_000) : request.timeoutMs),
      idempotencyKey: request.idempotencyKey,
      requestHash: request.requestHash,
      route: routeOf(request)
    }
  }

  private launch(task: TaskRecord, request: SubmitRequest): void {
    this.c.traces?.begin(task.taskId, request.traceparent)
    if (this.warmingUp()) {
      this.resumed.set(task.taskId, Math.min(this.startedAt + (this.init.warmupMs ?? 10_000), task.deadline))
      this.warming.add(task.taskId)
    }
    const traceId = traceIdOf(task.taskId, request.traceparent)
    this.c.log.info(
      { taskId: task.taskId, traceId, capability: task.capability, queue: task.queue },
      'task accepted'
    )
    this.dispatch(task)
  }

  replayOf(idempotencyKey: string, requestHash: string): Replay {
    const task = this.c.journal.getByKey(idempotencyKey)
    if (task == null) return { kind: 'new' }
    return { kind: task.requestHash === requestHash ? 'replay' : 'conflict', task }
  }

  async wait(taskId: string, signal?: AbortSignal): Promise<TaskRecord> {
    return await waitForEnd(this.c.journal, taskId, signal)
  }

  cancel(taskId: string): TaskRecord | undefined {
    const task = this.c.journal.cancel(taskId)
    // This reason, and only this one, makes the task path pass the cancel on to the executor.
    this.running.get(taskId)?.abort(new TaskCancelledError())
    this.waiting.delete(taskId)
    return task
  }

  acceptDelivered(result: Parameters<TaskDispatcher['acceptDelivered']>[0], from: string): boolean {
    const applied = applyDelivered(this.c, result, from, (id) => this.ids(id))
    if (applied === 'applied') this.running.get(result.taskId)?.abort(new Error('result delivered'))
    return applied !== 'unknown'
  }

  private retryWaiting(capabilities?: string[]): void {
    const now = Date.now()
    for (const taskId of [...this.waiting]) {
      const task = this.c.journal.get(taskId)
      if (task == null || TERMINAL.has(task.status)) {
        this.waiting.delete(taskId)
        continue
      }
      if (!task.queue && !this.inGrace(taskId, now)) {
        // Grace over: one last try, which fails it if the mesh is still empty.
        this.waiting.delete(taskId)
        this.dispatch(task)
        continue
      }
      if (now > task.deadline && task.queue) {
        this.waiting.delete(taskId)
        this.c.journal.fail(taskId, {
          code: 'queue_expired',
          message: `no agent for ${task.capability} appeared in time`
        })
        continue
      }
      if (capabilities == null || capabilities.includes(task.capability)) {
        this.waiting.delete(taskId)
        this.dispatch(task)
      }
    }
  }

  /**
   * Queues the task's dispatch on the pump (dispatch-pump.ts). Only its id
   * waits there, not its record (inputs may be large): the record is read
   * again when its turn comes. The deadline guard runs from now, so a task
   * that waited past its deadline fails `timeout` on time.
   */
  private dispatch(task: Pick<TaskRecord, 'taskId' | 'status' | 'deadline'>): void {
    const { taskId } = task
    if (this.stopped || this.running.has(taskId) || TERMINAL.has(task.status)) return
    const controller = new AbortController()
    this.running.set(taskId, controller)
    const disarm = guardDeadline(task.deadline, () => this.outlived(taskId, controller))
    this.pump.enqueue(async () => {
      try {
        // Cancelled, outlived or answered by a delivery while it waited: nothing to send.
        const current = controller.signal.aborted ? undefined : this.c.journal.get(taskId)
        if (current != null && !TERMINAL.has(current.status)) await this.attempt(current, controller.signal)
      } catch (err) {
        this.c.log.error({ ...this.ids(taskId), err }, 'dispatch failed')
      } finally {
        disarm()
        this.running.delete(taskId)
        if (TERMINAL.has(this.c.journal.status(taskId) ?? 'completed')) {
          this.resumed.delete(taskId)
          this.warming.delete(taskId)
          this.awaiting.delete(taskId)
        }
      }
    })
  }

  private async attempt(task: TaskRecord, signal: AbortSignal): Promise<void> {
    const { journal } = this.c
    const { writes } = this
    let open: { n: number; executor: string } | undefined
    const observer: AttemptObserver = {
      started: async (executor, token) => {
        const { n } = await writes.run(() => journal.startAttempt(task.taskId, executor, undefined, token))
        open = { n, executor }
      },
      ended: (executor, outcome, info) => {
        if (open?.executor !== executor) return
        const { n } = open
        // A completed attempt is closed by journal.complete, in the transaction that records the result.
        if (outcome !== 'completed')
          this.write(() => journal.finishAttempt(task.taskId, n, outcome, info.error)).catch((err: Error) =>
            this.c.log.warn({ ...this.ids(task.taskId), err: err.message }, 'could not close an attempt')
          )
        open = undefined
      }
    }
    // Each send gets what is left of the deadline fixed at acceptance, never a fresh timeout.
    const outcome = await sendOnRoute(
      this.c.tasks,
      this.awaitedRoute(task),
      {
        taskId: task.taskId,
        capability: task.capability,
        input: task.input,
        signal,
        observer,
        retry: task.retry,
        traceparent: this.c.traces?.traceparent(task.taskId)
      },
      () => Math.min(task.timeoutMs, task.deadline - Date.now()),
      (o) => this.c.traces?.record(task.taskId, o.trace)
    )
    if (outcome == null) {
      if (!signal.aborted) this.failPastDeadline(task)
      return
    }
    if (signal.aborted) return
    const current = journal.status(task.taskId)
    if (current == null || TERMINAL.has(current)) return
    if (outcome.status === 'completed') {
      const trace = this.c.traces?.get(task.taskId)
      await this.write(() =>
        journal.complete(task.taskId, {
          result: outcome.result ?? null,
          executor: outcome.executor ?? this.c.selfPeerId,
          agent: outcome.agent,
          path: outcome.path,
          trace
        })
      )
      return
    }
    const code = outcome.error?.code ?? 'failed'
    const waits = WAIT_CODES.has(code) || (task.route?.bids != null && BIDDER_ABSENT.has(code))
    if ((task.queue || this.inGrace(task.taskId, Date.now())) && waits) {
      if (current !== 'queued')
        await this.write(() =>
          journal.requeue(task.taskId, code === 'all_busy' ? 'busy' : 'no_agent', outcome.error)
        )
      this.waiting.add(task.taskId)
      this.c.log.debug({ ...this.ids(task.taskId), code }, 'task waits in the queue for a capable agent')
      return
    }
    this.resumed.delete(task.taskId)
    this.warming.delete(task.taskId)
    const error = outcome.error ?? { code, message: 'task failed' }
    const reported = code === 'no_agent' ? this.explainNoAgent(task, error) : error
    const trace = this.c.traces?.get(task.taskId)
    await this.write(() =>
      journal.fail(task.taskId, reported, { executor: outcome.executor, path: outcome.path, trace })
    )
  }

  /** A write in the next group commit (journal-writes.ts), in order with the others. */
  private async write<T>(fn: () => T): Promise<T> {
    return await this.writes.run(fn)
  }

  /** A dispatch still open past the task's deadline: end it, and the task with `timeout` (deadline-guard.ts). */
  private outlived(taskId: string, controller: AbortController): void {
    // A stopped node leaves its tasks to the next start (the journal may be closed already).
    if (this.stopped) return
    const task = this.c.journal.get(taskId)
    if (task == null || TERMINAL.has(task.status)) return
    this.c.log.warn(this.ids(taskId), 'a dispatch outlived its task deadline; the task fails timeout')
    controller.abort(new Error('the task deadline passed'))
    this.failPastDeadline(task)
  }

  /** A task whose deadline passed while it waited (for the mesh, or for this node to restart). */
  private failPastDeadline(task: TaskRecord): void {
    this.resumed.delete(task.taskId)
    this.warming.delete(task.taskId)
    const accepted = new Date(task.createdAt).toISOString()
    // Never sent anywhere, and still nobody to send it to: that, not the clock, is the news.
    const nobody = task.attempts.length === 0 && this.c.registry.find(task.capability).length === 0
    const error = task.queue
      ? { code: 'queue_expired', message: `no agent for ${task.capability} ran it in time` }
      : nobody
        ? this.explainNoAgent(task, { code: 'no_agent', message: `no agent can handle: ${task.capability}` })
        : {
            code: 'timeout',
            message: `the task's deadline (${task.timeoutMs} ms after it was accepted at ${accepted}) passed before it finished`
          }
    this.c.journal.fail(task.taskId, error, { trace: this.c.traces?.get(task.taskId) })
  }

  /**
   * A resumed task goes only to the executor it was out with until that
   * executor answers or the grace ends (none known → `no_agent`, so it waits).
   */
  private awaitedRoute(task: TaskRecord): TaskRecord {
    const executor = this.awaiting.get(task.taskId)
    if (executor == null) return task
    if ((this.resumed.get(task.taskId) ?? 0) <= Date.now()) {
      this.awaiting.delete(task.taskId)
      this.c.log.info(
        { ...this.ids(task.taskId), executor },
        'the executor of a resumed task did not come back in its grace; any capable peer may run it now'
      )
      return task
    }
    return { ...task, route: { candidates: [executor] } }
  }

  /** The ids every log line about a task carries. */
  private ids(taskId: string): { taskId: string; traceId: string } {
    return { taskId, traceId: traceIdOf(taskId, this.c.traces?.traceparent(taskId)) }
  }

  /** The first seconds after start, until some remote agent's state has arrived. */
  private warmingUp(): boolean {
    return (
      Date.now() < this.startedAt + (this.init.warmupMs ?? 10_000) &&
      !this.c.registry.all().some((a) => !a.local)
    )
  }

  private inGrace(taskId: string, now: number): boolean {
    if ((this.resumed.get(taskId) ?? 0) <= now) return false
    return !this.warming.has(taskId) || this.warmingUp()
  }

  /** no_agent says what the node does know, and how to wait instead. */
  private explainNoAgent(task: TaskRecord, error: { code: string; message: string }) {
    const agents = this.c.registry.all()
    const peers =
      this.c.connectedPeers?.() ?? new Set(agents.filter((a) => !a.local).map((a) => a.peerId)).size
    return {
      code: error.code,
      message: `${error.message} (this node knows ${peers} peer${peers === 1 ? '' : 's'} and ${agents.length} agent${agents.length === 1 ? '' : 's'}, none with ${task.capability}); to wait for one to join, submit with --queue (API: "queue": true)`
    }
  }
}

/** The route a task is journaled with; none when it may run anywhere. */
function routeOf(request: SubmitRequest): TaskRecord['route'] {
  if (request.candidates == null && request.target == null && request.bids == null) return undefined
  return {
    ...(request.candidates != null ? { candidates: request.candidates } : {}),
    ...(request.bids != null ? { bids: request.bids } : {}),
    ...(request.target != null ? { target: request.target } : {})
  }
}

export function createTaskDispatcher(
  components: DispatcherComponents,
  init: DispatcherInit = {}
): TaskDispatcher {
  return new JournalDispatcher(components, init)
}
