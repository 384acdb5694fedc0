import { type AgentInfo, parseAgentsQuery, parseTaskListLimit } from '@mesh-node/api'
import type { SeenTask, TaskDispatcher, TaskStore, TraceStore } from '@mesh-node/dispatch'
import { TaskStreams } from '@mesh-node/dispatch'
import type { TaskRecord as JournalRecord, TaskJournal } from '@mesh-node/journal'
import type { Mesh } from '@mesh-node/mesh'
import { notFound } from './api-error.js'
import type { NodeNames } from './node-names.js'
import type { Route } from './server.js'
import { taskStreamRoute } from './stream-route.js'
import { submitRoute } from './submit-route.js'

export { parseTraceparentHeader } from './submit-route.js'

export interface TaskRoutesInit {
  mesh: Mesh
  journal: TaskJournal
  dispatcher: TaskDispatcher
  /** Tasks this node ran or forwarded for others (the journal holds its own). */
  seen: TaskStore
  defaultTimeoutMs: number
  names: NodeNames
  traces?: TraceStore
}

/** The answer shape of a finished task, as `submit --json` prints it. */
export function taskResult(task: JournalRecord) {
  return {
    taskId: task.taskId,
    status: task.status,
    result: task.result ?? null,
    error: task.error ?? null,
    executor: task.executor ?? null,
    agent: task.agent ?? null,
    path: task.path ?? []
  }
}

/** The full view of a task, for `task ID --json`. */
function originView(task: JournalRecord) {
  return {
    ...taskResult(task),
    role: 'origin',
    capability: task.capability,
    queue: task.queue,
    ...(task.retry != null ? { retry: task.retry } : {}),
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
    attempts: task.attempts
  }
}

function seenView(task: SeenTask) {
  return {
    ...task,
    result: task.result ?? null,
    error: task.error ?? null,
    executor: task.executor ?? null,
    agent: task.agent ?? null,
    path: task.path ?? [],
    attempts: []
  }
}

/** Submitting, following and cancelling tasks, and the agents that run them. */
export function taskRoutes(init: TaskRoutesInit): Route[] {
  const { mesh, journal, dispatcher, defaultTimeoutMs } = init
  const streams = new TaskStreams(mesh.tasks.pieces)
  return [
    taskStreamRoute({ journal, dispatcher, streams, resultOf: taskResult }),
    submitRoute({ mesh, dispatcher, defaultTimeoutMs, resultOf: taskResult }),
    ...taskViewRoutes(init),
    agentsRoute(init)
  ]
}

/** Listing, reading and cancelling tasks; names ride along for display, ids stay the truth. */
function taskViewRoutes({ journal, dispatcher, seen, names, traces }: TaskRoutesInit): Route[] {
  const named = <T extends { from?: string; executor?: string | null; path?: string[] }>(t: T) => ({
    ...t,
    names: names.map([t.from, t.executor, ...(t.path ?? [])])
  })
  return [
    {
      method: 'GET',
      path: '/v1/tasks',
      handler: ({ query }) => {
        const limit = parseTaskListLimit(query)
        const own = journal.list({ limit }).map((t) => named(originView(t)))
        const others = seen.list(limit).map((t) => named(seenView(t)))
        return [...own, ...others].sort((a, b) => b.createdAt - a.createdAt).slice(0, limit)
      }
    },
    {
      method: 'GET',
      path: '/v1/tasks/:id',
      handler: ({ param }) => {
        const id = param('id')
        const own = journal.get(id)
        if (own != null) return { ...named(originView(own)), trace: traces?.get(own.taskId) }
        const other = seen.get(id)
        if (other != null) return named(seenView(other))
        throw notFound(`no task ${id} on this node`, 'unknown_task')
      }
    },
    {
      method: 'POST',
      path: '/v1/tasks/:id/cancel',
      handler: ({ param }) => {
        const id = param('id')
        const task = dispatcher.cancel(id)
        if (task == null) throw notFound(`no task ${id} was submitted on this node`, 'unknown_task')
        return originView(task)
      }
    }
  ]
}

/** GET /v1/agents, optionally of one capability. */
function agentsRoute({ mesh, names }: TaskRoutesInit): Route {
  return {
    method: 'GET',
    path: '/v1/agents',
    handler: ({ query }) => {
      const capability = parseAgentsQuery(query)
      const agents = capability != null ? mesh.registry.find(capability) : mesh.registry.all()
      return agents.map(
        (a): AgentInfo => ({
          peerId: a.peerId,
          name: names.of(a.peerId),
          agent: a.agent,
          capabilities: a.capabilities,
          load: a.load,
          capacity: a.capacity,
          running: a.running,
          local: a.local,
          ...(a.schemas !== undefined ? { schemas: a.schemas } : {})
        })
      )
    }
  }
}
