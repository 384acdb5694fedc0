import { CliError } from '@mesh-node/cli-kit'
import { type MeshClient, MeshClientError } from '@mesh-node/client'

/** 12D3KooWLW9Y…X95yK6: enough to tell peers apart in a table; --no-trunc shows them whole. */
export function shortPeer(id: string | undefined | null, full = false): string {
  if (id == null || id === '') return '-'
  if (full || id.length <= 16) return id
  return `${id.slice(0, 4)}…${id.slice(-6)}`
}

/**
 * A peer as people read it: `name (12D3…X95yK6)`. Names are labels a peer
 * picks itself, so the id always stands beside one.
 */
export function labelPeer(
  id: string | undefined | null,
  name: string | undefined | null,
  full = false
): string {
  const short = shortPeer(id, full)
  return name == null || name === '' || short === '-' ? short : `${name} (${short})`
}

/** Task ids in tables: the first 8 characters, which `task`, `cancel` and friends accept as a prefix. */
export function shortTask(id: string, full = false): string {
  return full ? id : id.slice(0, 8)
}

const MIN_PREFIX = 4

/**
 * A task id, or a unique prefix of one among this node's recent tasks (as
 * git takes commit prefixes). An ambiguous prefix names the candidates.
 */
export async function resolveTaskId(client: MeshClient, id: string): Promise<string> {
  try {
    return (await client.task(id)).taskId
  } catch (err) {
    if (!(err instanceof MeshClientError) || err.status !== 404 || id.length >= 36) throw err
  }
  if (id.length < MIN_PREFIX)
    throw new CliError(`task id prefix "${id}" is too short: give at least ${MIN_PREFIX} characters`)
  const matches = (await client.tasks({ limit: 10_000 })).map((t) => t.taskId).filter((t) => t.startsWith(id))
  const unique = [...new Set(matches)]
  const [only] = unique
  if (unique.length === 1 && only != null) return only
  if (unique.length === 0)
    throw new CliError(
      `no task ${id} on this node (no task id starts with it; see mesh-node tasks)`,
      'not_found'
    )
  throw new CliError(
    `task id prefix "${id}" matches ${unique.length} tasks (${unique.slice(0, 5).join(', ')}${unique.length > 5 ? ', …' : ''}); give more characters`,
    'ambiguous'
  )
}
