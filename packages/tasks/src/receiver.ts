import type { PeerId, PrivateKey } from '@libp2p/interface'
import { MAX_TASK_TIMEOUT_MS, type TaskRequestMessage, type TaskResultMessage } from '@mesh-node/protocol'
import {
  type CancelTable,
  isAbandoned,
  isCancel,
  originClaim,
  signResult,
  startTiming,
  traceFor,
  withHopSpan
} from '@mesh-node/task-relay'
import type { Logger } from 'pino'
import type { Dedup } from './dedup.js'
import type { Dispatch } from './dispatch.js'
import type { Executor } from './executor.js'
import { cancelled, type RouteResult } from './task-state.js'

export interface ReceiverComponents {
  dispatch: Dispatch
  dedup: Dedup
  /** Answers repeats from its durable record of what ran here. */
  executor: Pick<Executor, 'recorded'>
  cancels: CancelTable
  selfPeerId: string
  log: Logger
  /** This node's peer key: signs its agents' answers (signing.ts); unsigned without it. */
  privateKey?: PrivateKey
}

/** A task_request from a peer: checked, de-duplicated, then run here or passed on. */
export class Receiver {
  constructor(private readonly c: ReceiverComponents) {}

  async handleRequest(msg: TaskRequestMessage, remotePeer: PeerId): Promise<TaskResultMessage> {
    const sender = remotePeer.toString()
    // Straight back to its origin, an answer is vouched for by this node's session (§6.9 item 4): no signature.
    const token = sender === msg.from ? undefined : msg.token
    const reply = async (res: RouteResult): Promise<TaskResultMessage> => ({
      ...(await this.signed(res, token)),
      type: 'task_result',
      id: msg.id
    })
    const refusal = this.refusal(msg, sender)
    if (refusal != null) return reply(refusal)
    const origin = await originClaim(msg, sender)
    if ('refused' in origin) return reply(this.badSignature(msg, sender))
    const claim = origin.claim
    const existing = this.c.dedup.running(msg.taskId, claim)
    if (existing != null) return reply(await existing)
    const self = this.c.selfPeerId
    // Before any routing: a `retry: never` task interrupted here must not run elsewhere either.
    const recorded = this.c.executor.recorded(msg.taskId, claim, msg.retry)
    if (recorded.kind === 'answer')
      return reply({ taskId: msg.taskId, ...recorded.outcome, executor: self, path: [...msg.path, self] })
    if (recorded.kind === 'busy')
      return reply({ taskId: msg.taskId, status: 'busy', path: [...msg.path, self] })
    if (this.c.cancels.refuses(msg.taskId, msg.from, sender)) return reply(cancelled(msg.taskId, msg.path))
    return reply(await this.work(msg, sender, claim))
  }

  /**
   * An answer this node's agent gave is signed for the attempt's token, each
   * time it is given (a repeat gets it signed for its own token); one from
   * further on keeps its executor's signature.
   */
  private async signed(res: RouteResult, token: string | undefined): Promise<RouteResult> {
    const key = this.c.privateKey
    if (res.executor !== this.c.selfPeerId) return res
    const { sig: _old, ...unsigned } = res
    if (key === undefined || token === undefined || (res.status !== 'completed' && res.status !== 'failed'))
      return unsigned
    return { ...unsigned, sig: await signResult(key, token, unsigned) }
  }

  /** Why this request cannot be taken at all: a loop, a forged path, or a task for another peer. */
  private refusal(msg: TaskRequestMessage, sender: string): RouteResult | undefined {
    const self = this.c.selfPeerId
    const base = { taskId: msg.taskId }
    if (msg.path.includes(self)) {
      return {
        ...base,
        status: 'no_agent',
        path: msg.path,
        error: { code: 'loop', message: 'this node is already on the task path' }
      }
    }
    // The origin is first on every path it sends: a request whose `from` is
    // not is someone else's claim to the origin's task id (§6.1).
    if (msg.path[0] !== msg.from) {
      return {
        ...base,
        status: 'failed',
        path: msg.path,
        error: { code: 'bad_path', message: 'the first peer on the path must be the origin (`from`)' }
      }
    }
    if (msg.path[msg.path.length - 1] !== sender) {
      return {
        ...base,
        status: 'failed',
        path: msg.path,
        error: { code: 'bad_path', message: 'the last peer on the path must be the sender' }
      }
    }
    if (msg.target != null && msg.target.peer !== self) {
      return {
        ...base,
        status: 'failed',
        path: [...msg.path, self],
        error: { code: 'wrong_peer', message: `the task is for peer ${msg.target.peer}, not this one` }
      }
    }
    return undefined
  }

  /** An osig that does not verify: someone else's claim to the origin's task (§6.10). */
  private badSignature(msg: TaskRequestMessage, sender: string): RouteResult {
    this.c.log.warn(
      { taskId: msg.taskId, remotePeer: sender, origin: msg.from },
      'request with a bad origin signature refused'
    )
    return {
      taskId: msg.taskId,
      status: 'failed',
      path: [...msg.path, this.c.selfPeerId],
      error: {
        code: 'bad_origin_signature',
        message: 'osig is not the signature of the peer in `from` over this task'
      }
    }
  }

  /** `claim`: the origin this task is recorded under here (request-signing.ts). */
  private async work(msg: TaskRequestMessage, sender: string, claim: string): Promise<RouteResult> {
    const self = this.c.selfPeerId
    const held = this.c.cancels.hold(msg.taskId, msg.from, sender)
    const trace = traceFor(msg.taskId, msg.traceparent)
    const timing = startTiming()
    this.c.log.debug(
      { taskId: msg.taskId, traceId: trace.traceId, remotePeer: sender, hops: msg.hops },
      'task received'
    )
    const work = this.c.dispatch
      .route({
        taskId: msg.taskId,
        capability: msg.capability,
        input: msg.input,
        from: msg.from,
        deadline: Math.min(msg.deadline, Date.now() + MAX_TASK_TIMEOUT_MS),
        hops: msg.hops,
        path: [...msg.path, self],
        target: msg.target,
        retry: msg.retry,
        token: msg.token,
        osig: msg.osig,
        claim,
        // A repeat of a task relayed from here goes back to the executor that has its record.
        preferPeer: this.c.dedup.relayedTo(msg.taskId, claim),
        signal: held.signal,
        trace,
        timing
      })
      .then((r) =>
        isCancel(held.signal.reason)
          ? { ...cancelled(msg.taskId, r.path), executor: r.executor, agent: r.agent }
          : r
      )
      .finally(held.release)
    this.c.dedup.remember(msg.taskId, claim, work)
    const done = await work
    // This hop's own account goes in front of the ones the next hops sent back.
    const res: RouteResult = {
      ...done,
      spans: withHopSpan(done.spans, { peerId: self, trace, timing, executed: done.executor === self })
    }
    // The executor wrote its own record; memory only bridges the time until then.
    // An abandoned attempt is not an answer of the task: a later request for it asks the record again.
    if (res.status === 'busy' || res.status === 'no_agent' || isAbandoned(held.signal.reason))
      this.c.dedup.forget(msg.taskId, claim)
    else this.c.dedup.settled(msg.taskId, claim, res, res.executor === self)
    return res
  }
}
