import type { AgentView } from '@mesh-node/membership'
import { type Candidate, candidatesFrom } from './strategy.js'

/**
 * A task sent to one peer, and optionally one agent there: `submit --agent
 * NAME@PEER`. It runs there or nowhere: no failover to another candidate, no
 * forwarding, no other agent (docs/PROTOCOL.md §6.6).
 */
export interface TaskTarget {
  /** Full peer id; this node's own id runs it locally. */
  peer: string
  agent?: string
}

/** What a node lists in `capability_reply.features` when it honours `task_request.target`. */
export const TASK_TARGET_FEATURE = 'task_target'

/** The target's agents with the capability, as this node sees them. */
export function targetAgents(views: AgentView[], target: TaskTarget): AgentView[] {
  return views.filter(
    (v) => v.peerId === target.peer && (target.agent === undefined || v.agent === target.agent)
  )
}

/** The single candidate a targeted task may go to (none when the target is not known to offer it). */
export function targetCandidates(
  views: AgentView[],
  target: TaskTarget,
  latency: (peerId: string) => number | undefined
): Candidate[] {
  return candidatesFrom(targetAgents(views, target), latency)
}

/**
 * A node that predates `target` ignores it and runs the task on any of its
 * agents with the capability. That can only pick the wrong agent when the
 * peer has more than one of them, so only then must the peer first confirm,
 * in its capability_reply, that it honours targets.
 */
export function needsConfirmation(views: AgentView[], target: TaskTarget): boolean {
  return target.agent !== undefined && views.filter((v) => v.peerId === target.peer).length > 1
}

/** The failure a targeted task ends with when its one candidate cannot take it. */
export function targetFailure(
  target: TaskTarget,
  capability: string,
  why: 'gone' | 'unreachable' | 'unsupported'
): { code: string; message: string } {
  const who = `${target.agent ?? 'an agent'}@${target.peer}`
  switch (why) {
    case 'gone':
      return {
        code: 'agent_gone',
        message: `${who} no longer offers ${capability}; the task names it, so it did not run anywhere else (see "mesh-node agents --capability ${capability}")`
      }
    case 'unreachable':
      return {
        code: 'target_unreachable',
        message: `peer ${target.peer} could not be reached; the task names it, so it did not run anywhere else`
      }
    default:
      return {
        code: 'target_unsupported',
        message: `peer ${target.peer} runs a mesh-node too old to honour a named agent and has several agents for ${capability}; the task did not run (upgrade that node, or send it with --peer only)`
      }
  }
}
