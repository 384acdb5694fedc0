import type { TaskRecord as JournalRecord, TaskJournal } from '@mesh-node/journal'
import type { Mesh } from '@mesh-node/mesh'
import { CAPABILITY_PATTERN } from '@mesh-node/protocol'
import type { TaskDispatcher } from '../task-dispatcher.js'
import type { TaskRecord as SeenRecord, TaskStore } from '../task-store.js'
import { badRequest, notFound } from './api-error.js'
import { ApiReply, type Route } from './server.js'

export interface TaskRoutesInit {
  mesh: Mesh
  journal: TaskJournal
  dispatcher: TaskDispatcher
  /** Tasks this node ran or forwarded for others (the journal holds its own). */
  seen: TaskStore
  defaultTimeoutMs: number
}

interface SubmitBody {
  capability: string
  input: unknown
  wait: boolean
  queue: boolean
  timeoutMs: number
}

const SUBMIT_FIELDS = ['capability', 'input', 'wait', 'queue', 'timeoutMs']

function parseSubmit(body: unknown, defaultTimeoutMs: number): SubmitBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('the body must be a JSON object: {"capability", "input", "wait", "queue", "timeoutMs"}')
  }
  const b = body as Record<string, unknown>
  const unknown = Object.keys(b).filter((k) => !SUBMIT_FIELDS.includes(k))
  if (unknown.length > 0) throw badRequest(`unknown field(s): ${unknown.join(', ')}`)
  if (typeof b.capability !== 'string' || !CAPABILITY_PATTERN.test(b.capability)) {
    throw badRequest(
      'capability must be a name of letters, digits and . _ : / - (at most 128), e.g. "text.upper"'
    )
  }
  for (const flag of ['wait', 'queue']) {
    if (b[flag] !== undefined && typeof b[flag] !== 'boolean')
      throw badRequest(`${flag} must be true or false`)
  }
  const timeoutMs = b.timeoutMs ?? defaultTimeoutMs
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
    throw badRequest('timeoutMs must be an integer from 1 to 600000')
  }
  return {
    capability: b.capability,
    input: b.input ?? null,
    wait: b.wait !== false,
    queue: b.queue === true,
    timeoutMs
  }
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
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
    attempts: task.attempts
  }
}

function seenView(task: SeenRecord) {
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
export function taskRoutes({ mesh, journal, dispatcher, seen, defaultTimeoutMs }: TaskRoutesInit): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/tasks',
      handler: async ({ body, req }) => {
        const submit = parseSubmit(body, defaultTimeoutMs)
        const task = dispatcher.submit(submit)
        if (!submit.wait) return new ApiReply(202, { taskId: task.taskId })
        // A client that hangs up stops waiting; the task itself goes on.
        const gone = new AbortController()
        req.on('close', () => gone.abort(new Error('client went away')))
        return taskResult(await dispatcher.wait(task.taskId, gone.signal))
      }
    },
    {
      method: 'GET',
      path: '/v1/tasks',
      handler: ({ query }) => {
        const limit = Number(query.get('limit') ?? 100)
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
          throw badRequest('limit must be an integer from 1 to 10000')
        const own = journal.list({ limit }).map(originView)
        const others = seen.list(limit).map(seenView)
        return [...own, ...others].sort((a, b) => b.createdAt - a.createdAt).slice(0, limit)
      }
    },
    {
      method: 'GET',
      path: '/v1/tasks/:id',
      handler: ({ params }) => {
        const own = journal.get(params.id)
        if (own != null) return originView(own)
        const other = seen.get(params.id)
        if (other != null) return seenView(other)
        throw notFound(`no task ${params.id} on this node`, 'unknown_task')
      }
    },
    {
      method: 'POST',
      path: '/v1/tasks/:id/cancel',
      handler: ({ params }) => {
        const task = dispatcher.cancel(params.id)
        if (task == null) throw notFound(`no task ${params.id} was submitted on this node`, 'unknown_task')
        return originView(task)
      }
    },
    {
      method: 'GET',
      path: '/v1/agents',
      handler: ({ query }) => {
        const capability = query.get('capability')
        if (capability != null && !CAPABILITY_PATTERN.test(capability))
          throw badRequest('capability is not a valid capability name')
        const agents = capability != null ? mesh.registry.find(capability) : mesh.registry.all()
        return agents.map((a) => ({
          peerId: a.peerId,
          agent: a.agent,
          capabilities: a.capabilities,
          load: a.load,
          capacity: a.capacity,
          running: a.running,
          local: a.local
        }))
      }
    }
  ]
}
