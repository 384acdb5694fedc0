import type { PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { CapabilityRegistry } from '@mesh-node/membership'
import { MAX_HOPS, type TaskResultMessage } from '@mesh-node/protocol'
import type { Discovery } from '@mesh-node/routing'
import { needsConfirmation, targetFailure } from '@mesh-node/routing'
import { RemoteProtocolError, type Rpc, TransportError } from '@mesh-node/rpc'
import {
  type AttemptTokens,
  ackResult,
  type CancelTable,
  disbelief,
  formatTraceparent,
  isCancel,
  newToken,
  type RejectedResults,
  type RejectReason,
  type RunningTable,
  type SilentPeers,
  signRequest,
  type TaskPieces
} from '@mesh-node/task-relay'
import type { Logger } from 'pino'
import { CANCELLED, INTERRUPTED } from './constants.js'
import type { TaskEvents } from './events.js'
import { taskRequest } from './messages/task-request.js'
import {
  cancelled,
  type RouteResult,
  type Step,
  sleep,
  type TaskState,
  timedOut,
  upstreamOf
} from './task-state.js'

export interface ForwarderComponents {
  rpc: Pick<Rpc, 'request'>
  registry: CapabilityRegistry
  discovery: Discovery
  cancels: CancelTable
  events: TaskEvents
  selfPeerId: string
  log: Logger
  pieces?: TaskPieces
  silence: SilentPeers
  /** Confirmations that a peer started the task; without it, every attempt is timed out as if silent. */
  running?: Pick<RunningTable, 'expect'>
  /** At the origin: the tokens of its attempts, for late deliveries. */
  tokens?: AttemptTokens
  /** At the origin: counts the answers it did not believe, by reason. */
  rejected?: RejectedResults
  /** At the origin: signs its tasks (request-signing.ts); unsigned without it. */
  privateKey?: PrivateKey
}

export interface ForwarderInit {
  maxHops: number
  transportRetries: number
}

/** Hands a task to one peer (forwarding or delegating counts as a hop) and reads its answer. */
export class Forwarder {
  constructor(
    private readonly c: ForwarderComponents,
    private readonly init: ForwarderInit
  ) {}

  /** `last`: no candidate comes after this one, so its attempt gets all the time left. */
  async tryPeer(peerId: string, state: TaskState, last = true): Promise<Step> {
    if (state.hops >= this.init.maxHops) return { kind: 'skip' }
    const { target } = state
    if (target != null && needsConfirmation(this.c.registry.find(state.capability), target)) {
      const confirmed = await this.c.discovery.honoursTargets(peerId, state.deadline)
      if (!confirmed)
        return {
          kind: 'done',
          result: targetFailed(state, confirmed === false ? 'unsupported' : 'unreachable')
        }
    }
    const self = this.c.selfPeerId
    const upstream = upstreamOf(state, self)
    // While this peer has the task, its pieces (and only its) are relayed.
    const release = this.c.pieces?.expect(state.taskId, peerId, upstream)
    const stopPassing = this.c.cancels.passOn(peerId, state.taskId, state.from, state.signal)
    const attempt = this.c.silence.startAttempt(peerId, state, last)
    const unexpect = this.c.running?.expect(state.taskId, peerId, upstream, attempt.confirmed)
    // The origin makes each attempt's token; a forwarder passes the origin's on.
    const origin = state.from === self
    const token = origin ? newToken() : state.token
    if (origin && token !== undefined) this.c.tokens?.add(state.taskId, peerId, token)
    const sentAt = performance.now()
    try {
      // The origin's journal holds the attempt before its request goes out: after a crash it asks that peer again.
      await state.observer?.started(peerId, origin ? token : undefined)
      // Once the peer said another executor runs the task, a broken session goes to `regain`, not back to the peer.
      const resend = (): boolean => {
        const by = attempt.confirmedBy()
        return by === undefined || by === peerId
      }
      const res = await this.send(peerId, state, attempt.signal, token, resend).finally(async () => {
        state.timing.forwardedMs += performance.now() - sentAt
        await release?.()
      })
      this.c.silence.answered(peerId, state.capability, performance.now() - sentAt)
      return await this.read(peerId, state, res, token)
    } catch (err) {
      // A lost session is not a lost executor: one that said it runs the task is asked again.
      const executor = attempt.confirmedBy()
      if (executor !== undefined && lostSession(err as Error, state))
        return await this.regain(peerId, executor, state, attempt.signal, token)
      return this.unreachable(peerId, state, err as Error, attempt.timedOut(), executor !== undefined)
    } finally {
      attempt.clear()
      unexpect?.()
      stopPassing()
    }
  }

  /** An answer read from `peerId`: acked (message set 1.6), checked at the origin, then taken. */
  private async read(
    peerId: string,
    state: TaskState,
    res: TaskResultMessage,
    token: string | undefined
  ): Promise<Step> {
    ackResult(this.c.rpc, peerId, res, this.c.log)
    const origin = state.from === this.c.selfPeerId
    const reason = origin ? await disbelief(res, token !== undefined ? [token] : [], peerId) : undefined
    if (reason !== undefined) return this.forged(peerId, state, res, reason)
    return this.answered(peerId, state, res)
  }

  /**
   * The session to a peer that confirmed it runs the task (§5.7) broke. The
   * task is asked for again, for the same (from, taskId), until the failure
   * detector declares the peer asked dead (a closed connection only makes it
   * suspect), within LOST_SESSION_GRACE_MS and the deadline: it answers from
   * its work in progress or its journal, and meanwhile a result it pushes
   * (§9.1) ends the wait. When the confirmation named an executor further on,
   * that executor is asked, not the forwarder between: a forwarder that
   * restarted has no memory of the task and would route it anew, to a
   * second executor. The forwarder is asked only when the executor cannot be
   * reached from here. Only then is the executor counted as lost: the next
   * candidate is tried, except for a `retry: never` task, which fails
   * `executor_lost` rather than run twice.
   */
  private async regain(
    peerId: string,
    executor: string,
    state: TaskState,
    signal: AbortSignal,
    token: string | undefined
  ): Promise<Step> {
    const log = this.c.log.child({ taskId: state.taskId, remotePeer: peerId, executor })
    log.info('lost the session to a peer running the task; asking again')
    const askable = [executor, peerId].filter((p, i, all) => all.indexOf(p) === i && p !== this.c.selfPeerId)
    const until = Math.min(state.deadline, Date.now() + LOST_SESSION_GRACE_MS)
    let last: Error | undefined
    asking: while (Date.now() < until && !signal.aborted && this.c.registry.isDead?.(executor) !== true) {
      await sleep(REASK_PAUSE_MS, signal)
      for (const asked of askable) {
        if (signal.aborted) break asking
        try {
          return await this.read(asked, state, await this.send(asked, state, signal, token), token)
        } catch (err) {
          last = err as Error
          if (!lostSession(last, state)) break asking
        }
      }
    }
    if (isCancel(state.signal?.reason)) return { kind: 'done', result: cancelled(state.taskId, state.path) }
    const message = `lost ${peerId} while it ran the task (${last?.message ?? 'session closed'})`
    log.warn({ retry: state.retry ?? 'idempotent' }, 'executor lost mid-run')
    state.observer?.ended(peerId, 'lost', { error: { code: EXECUTOR_LOST, message } })
    if (state.retry !== 'never' || signal.aborted) return { kind: 'lost' }
    return {
      kind: 'done',
      result: {
        taskId: state.taskId,
        status: 'failed',
        executor: peerId,
        path: [...state.path, peerId],
        error: { code: EXECUTOR_LOST, message: `${message}; retry "never" forbids a run elsewhere` }
      }
    }
  }

  private answered(peerId: string, state: TaskState, res: TaskResultMessage): Step {
    this.c.log.debug({ taskId: state.taskId, remotePeer: peerId, status: res.status }, 'task forwarded')
    state.observer?.ended(peerId, res.status, { agent: res.agent, error: res.error })
    if (res.status === 'busy') return { kind: 'busy' }
    if (res.status === 'no_agent') return { kind: 'skip' }
    // A cancel this node did not pass on: an attempt further on was abandoned (§6.1), not the task.
    if (res.error?.code === CANCELLED && !isCancel(state.signal?.reason)) return { kind: 'lost' }
    const { taskId, status, result: value, error, executor, agent, path, spans, sig } = res
    const result: RouteResult = { taskId, status, result: value, error, executor, agent, path, spans, sig }
    // An interrupted `retry: never` task must not run on the next candidate too.
    if (res.status === 'failed' && state.failover === true && res.error?.code !== INTERRUPTED)
      return { kind: 'failed', result }
    if (state.from !== this.c.selfPeerId)
      this.c.events.emit({
        taskId: state.taskId,
        role: 'forwarder',
        capability: state.capability,
        from: state.from,
        status: res.status,
        executor: res.executor,
        path: res.path
      })
    return { kind: 'done', result }
  }

  /**
   * An answer whose executor claim does not hold (its signature does not
   * verify, or an unsigned one names a peer other than the one that sent
   * it): logged, failed over from as from a bad answer, and the peer is
   * left out for a while as a silent one is.
   */
  private forged(peerId: string, state: TaskState, res: TaskResultMessage, reason: RejectReason): Step {
    this.c.silence.silent(peerId)
    this.c.rejected?.add(reason)
    this.c.log.warn(
      {
        taskId: state.taskId,
        traceId: state.trace.traceId,
        remotePeer: peerId,
        executor: res.executor,
        signed: res.sig !== undefined,
        reason
      },
      'rejected an answer whose executor claim does not verify; failing over'
    )
    state.observer?.ended(peerId, 'failed', {
      error: {
        code: 'forged_result',
        message: `the answer from ${peerId} claims an executor it cannot vouch for`
      }
    })
    return { kind: 'lost' }
  }

  private unreachable(
    peerId: string,
    state: TaskState,
    err: Error,
    attemptTimedOut: boolean,
    confirmed: boolean
  ): Step {
    if (err instanceof RemoteProtocolError && err.code === 'too_many_requests') {
      // The peer's inbound budget for us is spent: like busy, try another or back off.
      state.observer?.ended(peerId, 'busy', { error: { code: err.code, message: err.message } })
      return { kind: 'busy' }
    }
    this.c.log.debug(
      { taskId: state.taskId, remotePeer: peerId, err: err.message },
      'peer unreachable for task; trying the next candidate'
    )
    const timeout = err instanceof TransportError && err.code === 'timeout'
    if (attemptTimedOut && state.signal?.aborted !== true) {
      // Silent past its attempt's share of the deadline, and never said it started:
      // fail over, try it last from now on, and tell it to stop in case it is only slow.
      this.c.log.warn(
        { taskId: state.taskId, traceId: state.trace.traceId, remotePeer: peerId },
        'peer did not answer or confirm within its attempt timeout; failing over, scoring it down and cancelling it'
      )
      this.c.silence.silent(peerId)
      this.c.cancels.abandon(peerId, state.taskId, state.from)
      state.observer?.ended(peerId, 'timeout', {
        error: { code: 'attempt_timeout', message: `no answer from ${peerId} within its attempt timeout` }
      })
      return { kind: 'lost' }
    }
    if (timeout && confirmed && state.signal?.aborted !== true) {
      // It said it runs the task and then let it run into the deadline: slow or lying,
      // it is tried last for a while, so it cannot hold the next tasks too (§6.1).
      this.c.silence.silent(peerId)
    }
    state.observer?.ended(peerId, timeout ? 'timeout' : 'lost', {
      error: { code: timeout ? 'timeout' : 'executor_lost', message: err.message }
    })
    if (!timeout) return { kind: 'lost' }
    if (isCancel(state.signal?.reason)) return { kind: 'done', result: cancelled(state.taskId, state.path) }
    return { kind: 'done', result: timedOut(state, `no answer from ${peerId} before the deadline`) }
  }

  /** The origin signs its task once; a forwarder passes on what the origin sent. */
  private async originSignature(state: TaskState): Promise<string | undefined> {
    const key = this.c.privateKey
    if (state.osig !== undefined || state.from !== this.c.selfPeerId || key === undefined) return state.osig
    state.osig = await signRequest(key, state)
    return state.osig
  }

  /** One peer, retried with backoff on transport errors only (and while `resend` says so). */
  private async send(
    peerId: string,
    state: TaskState,
    signal: AbortSignal,
    token: string | undefined,
    resend: () => boolean = () => true
  ): Promise<TaskResultMessage> {
    const peer = peerIdFromString(peerId)
    const osig = await this.originSignature(state)
    for (let attempt = 0; ; attempt++) {
      const remaining = state.deadline - Date.now()
      try {
        return await this.c.rpc.request(
          taskRequest,
          peer,
          {
            taskId: state.taskId,
            capability: state.capability,
            input: state.input,
            from: state.from,
            deadline: state.deadline,
            // A targeted task goes out with no hop left, so that not even a
            // node that predates `target` (and ignores it) forwards it.
            hops: state.target != null ? MAX_HOPS : state.hops + 1,
            path: state.path,
            target: state.target,
            // Absent means 'idempotent' (§6.8), so only the exception is sent.
            ...(state.retry === 'never' ? { retry: 'never' as const } : {}),
            traceparent: formatTraceparent(state.trace),
            // This node acks every final result it reads (message set 1.6).
            acks: true,
            ...(token !== undefined ? { token } : {}),
            ...(osig !== undefined ? { osig } : {})
          },
          { timeoutMs: Math.max(1, remaining), signal }
        )
      } catch (err) {
        const retryable = err instanceof TransportError && err.code !== 'timeout'
        const pause = 50 * 3 ** attempt
        if (!retryable || attempt >= this.init.transportRetries || Date.now() + pause >= state.deadline)
          throw err
        if (!resend()) throw err
        if (!this.c.registry.isAvailable(peerId)) throw err
        await sleep(pause, signal)
        // The rpc would never hear an abort that happened before the request.
        if (signal.aborted) throw new TransportError('aborted', 'timeout')
      }
    }
  }
}

/** How long a node waits for a confirmed executor whose session broke before it counts it lost. */
export const LOST_SESSION_GRACE_MS = 20_000
const REASK_PAUSE_MS = 500
/** A `retry: never` task whose executor was lost mid-run (it may or may not have finished). */
export const EXECUTOR_LOST = 'executor_lost'

/** A transport failure (not the deadline, not a cancel): the session broke or cannot be opened. */
function lostSession(err: Error, state: TaskState): boolean {
  return err instanceof TransportError && err.code !== 'timeout' && state.signal?.aborted !== true
}

/** The failure of a targeted task whose one candidate cannot take it. */
export function targetFailed(state: TaskState, why: 'gone' | 'unreachable' | 'unsupported'): RouteResult {
  const error = targetFailure(state.target as NonNullable<TaskState['target']>, state.capability, why)
  return { taskId: state.taskId, status: 'failed', path: state.path, error }
}
