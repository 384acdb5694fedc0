import { join } from 'node:path'
import type { A2aServer, MeshTaskView } from '@mesh-node/a2a-server'
import type { MeshConfig } from '@mesh-node/config'
import { parseHostPort } from '@mesh-node/config'
import type { TaskDispatcher } from '@mesh-node/dispatch'
import type { TaskJournal, TaskRecord } from '@mesh-node/journal'
import type { CapabilityRegistry } from '@mesh-node/membership'
import { MAX_TASK_TIMEOUT_MS } from '@mesh-node/protocol'
import type { TaskPieces } from '@mesh-node/tasks'
import type { Logger } from 'pino'

/** The A2A bearer token's file in the data dir (mode 0600). */
export const A2A_TOKEN_FILE = 'a2a.token'

export interface A2aListenerComponents {
  config: MeshConfig
  dataDir: string
  dispatcher: TaskDispatcher
  journal: TaskJournal
  registry: CapabilityRegistry
  /** Pieces the node's tasks stream, so message/stream carries them live. */
  pieces: Pick<TaskPieces, 'onPiece'>
  peerId: string
  privateKey: Uint8Array
  log: Logger
}

const view = (t: TaskRecord): MeshTaskView => ({
  taskId: t.taskId,
  capability: t.capability,
  status: t.status,
  result: t.result,
  error: t.error,
  executor: t.executor,
  agent: t.agent,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt
})

/** One skill per capability in the mesh, described by the first agent that declares a description. */
function skillsOf(registry: CapabilityRegistry): { capability: string; description?: string }[] {
  const described = new Map<string, string | undefined>()
  for (const agent of registry.all())
    for (const capability of agent.capabilities)
      if (described.get(capability) === undefined)
        described.set(capability, agent.schemas?.[capability]?.description)
  return [...described.keys()].sort().map((capability) => {
    const description = described.get(capability)
    return description === undefined ? { capability } : { capability, description }
  })
}

/**
 * Starts `--a2a HOST:PORT` when configured: A2A messages become tasks
 * through this node's own dispatcher, so they are journaled and routed like
 * any task submitted to the API.
 */
export async function startA2aListener(c: A2aListenerComponents): Promise<A2aServer | undefined> {
  const address = c.config.a2a.address
  if (address == null) return undefined
  const { host, port } = parseHostPort(address, '--a2a', 'A2A address')
  // Loaded only when configured: the A2A SDK and express add megabytes to every idle daemon.
  const { a2aServer, loadOrCreateToken } = await import('@mesh-node/a2a-server')
  const server = a2aServer({
    host,
    port,
    token: loadOrCreateToken(join(c.dataDir, A2A_TOKEN_FILE)),
    allowRemote: c.config.a2a.allowRemote,
    defaultTimeoutMs: c.config.tasks.defaultTimeoutMs,
    maxTimeoutMs: MAX_TASK_TIMEOUT_MS
  })({
    tasks: {
      submit: (r) => {
        c.dispatcher.submit({ ...r, queue: false })
      },
      get: (taskId) => {
        const t = c.journal.get(taskId)
        return t == null ? undefined : view(t)
      },
      onChange: (listener) => c.journal.onChange((t) => listener(view(t))),
      cancel: (taskId) => {
        c.dispatcher.cancel(taskId)
      },
      onPiece: (listener) =>
        c.pieces.onPiece((p) => listener({ taskId: p.taskId, kind: p.kind, data: p.data }))
    },
    skills: () => skillsOf(c.registry),
    peerId: c.peerId,
    privateKey: c.privateKey,
    log: c.log
  })
  await server.start()
  return server
}
