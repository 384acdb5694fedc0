import type { CapabilityRegistry } from '@mesh-node/membership'
import type { TaskTarget } from '@mesh-node/tasks'
import { ApiError, badRequest, notFound } from './api-error.js'

/**
 * Turns a submit's `agent` / `peer` (a name, a peer id or a unique prefix of
 * one) into the one peer, and agent, the task may run on. It fails at once,
 * before anything is accepted, when that is unknown or ambiguous: a task
 * meant for one agent must never quietly run on another.
 */
export function resolveTarget(
  registry: Pick<CapabilityRegistry, 'find' | 'all'>,
  capability: string,
  wanted: { agent?: string; peer?: string }
): TaskTarget | undefined {
  const { agent, peer } = wanted
  if (agent === undefined && peer === undefined) return undefined
  const list = `"mesh-node agents --capability ${capability}" lists them`
  if (peer !== undefined) {
    const known = [...new Set(registry.all().map((a) => a.peerId))].filter((p) => p.startsWith(peer))
    const exact = known.filter((p) => p === peer)
    const peers = exact.length === 1 ? exact : known
    if (peers.length === 0)
      throw notFound(`no peer ${peer} with agents is known; "mesh-node agents" lists them`, 'unknown_peer')
    if (peers.length > 1)
      throw badRequest(
        `peer prefix ${peer} matches ${peers.length} peers (${peers.slice(0, 4).join(', ')}); give more characters`,
        'ambiguous_peer'
      )
  }
  const matching = registry
    .find(capability)
    .filter((a) => agent === undefined || a.agent === agent)
    .filter((a) => peer === undefined || a.peerId.startsWith(peer))
  const peers = [...new Set(matching.map((a) => a.peerId))]
  const where = peer !== undefined ? ` on peer ${peer}` : ''
  if (peers.length === 0) {
    const what = agent !== undefined ? `no agent named ${agent}` : 'no agent'
    throw notFound(`${what} with capability ${capability} is known${where}; ${list}`, 'unknown_agent')
  }
  if (peers.length > 1) {
    // Only an agent name can reach here: a peer prefix resolved to one peer above.
    throw new ApiError(
      409,
      'ambiguous_agent',
      `${peers.length} peers run an agent named ${agent} with ${capability}; name one: ${peers
        .slice(0, 4)
        .map((p) => `${agent}@${p}`)
        .join(' or ')}`
    )
  }
  return { peer: peers[0] as string, agent }
}
