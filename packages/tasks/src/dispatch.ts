import type { CapabilityRegistry } from '@mesh-node/membership'
import type { Candidate, Discovery, RoutingStrategy } from '@mesh-node/routing'
import { targetCandidates } from '@mesh-node/routing'
import type { SilentPeers } from '@mesh-node/task-relay'
import type { Executor } from './executor.js'
import { type Forwarder, targetFailed } from './forwarder.js'
import { type RouteResult, type TaskState, timedOut } from './task-state.js'

export interface DispatchComponents {
  registry: CapabilityRegistry
  discovery: Discovery
  executor: Executor
  forwarder: Forwarder
  strategy: RoutingStrategy
  silence: SilentPeers
}

/** The error a `busy` answer carries when an attempt on the way was lost (PROTOCOL §6.3). */
const LOST_ON_THE_WAY = {
  code: 'executor_lost',
  message: 'a peer this node handed the task to was lost, and the other candidates are busy'
}

/**
 * Finds the candidates for a task and tries them in order, best first: this
 * node's own agents run it here, a peer gets a task_request. A busy or
 * unreachable candidate hands over to the next; so does a failed one when
 * the task asks for failover. Origin and receiver both dispatch this way.
 */
export class Dispatch {
  constructor(private readonly c: DispatchComponents) {}

  async route(state: TaskState): Promise<RouteResult> {
    let sawBusy = false
    let sawLost = false
    let lastFailure: RouteResult | undefined
    const candidates = await this.candidates(state)
    for (const [i, c] of candidates.entries()) {
      if (state.deadline - Date.now() <= 0 || state.signal?.aborted === true) {
        return timedOut(state, 'the task deadline passed before any agent answered')
      }
      const step = c.local
        ? await this.c.executor.run(state)
        : await this.c.forwarder.tryPeer(c.peerId, state, i === candidates.length - 1)
      if (step.kind === 'done') return step.result
      if (step.kind === 'failed') lastFailure = step.result
      sawBusy ||= step.kind === 'busy'
      sawLost ||= step.kind === 'lost'
    }
    if (lastFailure != null) return lastFailure
    if (state.target != null && !sawBusy) return targetFailed(state, sawLost ? 'unreachable' : 'gone')
    if (!sawBusy) return { taskId: state.taskId, status: 'no_agent', path: state.path }
    // A peer lost while it ran the task may have run it: the sender is told, not only "busy".
    return {
      taskId: state.taskId,
      status: 'busy',
      path: state.path,
      ...(sawLost ? { error: LOST_ON_THE_WAY } : {})
    }
  }

  /** A targeted task has its one candidate; others are ordered by the strategy, then by the caller's restrictions. */
  private async candidates(state: TaskState): Promise<Candidate[]> {
    const { registry } = this.c
    let candidates =
      state.target != null
        ? targetCandidates(registry.find(state.capability), state.target, (p) => registry.latency(p))
        : this.c.strategy(
            await this.c.discovery.lookup(state.capability, state.deadline, new Set(state.path))
          )
    if (state.candidates != null) {
      const order = state.candidates
      candidates = candidates
        .filter((c) => order.includes(c.peerId))
        .sort((a, b) => order.indexOf(a.peerId) - order.indexOf(b.peerId))
    }
    const prefer = state.preferPeer
    if (prefer != null) {
      candidates = [
        ...candidates.filter((c) => c.peerId === prefer),
        ...candidates.filter((c) => c.peerId !== prefer)
      ]
    }
    return this.avoidingSilence(state, candidates)
  }

  /**
   * Peers that lately let an attempt time out are left out while anyone else
   * can be tried. A task that came from a peer runs on this node's own agents
   * first when they have room: a longer chain only adds hops (and attempts);
   * unless it has a peer to prefer (the executor of a repeat relayed before).
   */
  private avoidingSilence(state: TaskState, candidates: Candidate[]): Candidate[] {
    const silence = this.c.silence
    const heard = candidates.filter((c) => c.local || !silence.isPenalised(c.peerId))
    const order = heard.length > 0 ? heard : candidates
    if (state.hops === 0 || state.target != null || state.preferPeer != null) return order
    return [...order.filter((c) => c.local), ...order.filter((c) => !c.local)]
  }
}
