import { createHash } from 'node:crypto'
import {
  type AgentInfo,
  IDEMPOTENCY_KEY_HEADER,
  type ParsedSubmit,
  parseAgentsQuery,
  parseIdempotencyKey,
  parseSubmit,
  parseTaskListLimit
} from '@mesh-node/api'
import type { TaskRecord as JournalRecord, TaskJournal } from '@mesh-node/journal'
import type { Mesh } from '@mesh-node/mesh'
import { parseTraceparent } from '@mesh-node/tasks'
import { InputCheck } from '../input-check.js'
import type { NodeNames } from '../node-names.js'
import type { TaskDispatcher } from '../task-dispatcher.js'
import type { SeenTask, TaskStore } from '../task-store.js'
import { TaskStreams } from '../task-streams.js'
import type { TraceStore } from '../trace-store.js'
import { ApiError, badRequest, notFound } from './api-error.js'
import { ApiReply, type Route } from './server.js'
import { taskStreamRoute } from './stream-route.js'
import { resolveTarget } from './task-target.js'

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
  const { mesh, journal, dispatcher } = init
  const streams = new TaskStreams(mesh.tasks.pieces)
  return [
    taskStreamRoute({ journal, dispatcher, streams, resultOf: taskResult }),
    submitRoute(init),
    ...taskViewRoutes(init),
    agentsRoute(init)
  ]
}

/** POST /v1/tasks: 202 once journaled (wait:false), 200 on an idempotent replay, the result with wait. */
function submitRoute({ mesh, dispatcher, defaultTimeoutMs }: TaskRoutesInit): Route {
  const inputCheck = new InputCheck(mesh.registry)
  return {
    method: 'POST',
    path: '/v1/tasks',
    handler: async ({ body, req, res }) => {
      const submit = parseSubmit(body, defaultTimeoutMs)
      const idempotencyKey = parseIdempotencyKey(req.headers[IDEMPOTENCY_KEY_HEADER])
      const requestHash = idempotencyKey != null ? hashSubmit(submit) : undefined
      let task = replayed(dispatcher, idempotencyKey, requestHash)
      const replay = task != null
      if (task != null) res.setHeader('idempotent-replayed', 'true')
      else {
        inputCheck.assertInput(submit.capability, submit.input)
        const traceparent = parseTraceparentHeader(req.headers.traceparent)
        const target = resolveTarget(mesh.registry, submit.capability, submit)
        task = dispatcher.submit({ ...submit, target, traceparent, idempotencyKey, requestHash })
      }
      if (!submit.wait) return new ApiReply(replay ? 200 : 202, { taskId: task.taskId })
      // A client that hangs up stops waiting; the task itself goes on.
      const gone = new AbortController()
      req.on('close', () => gone.abort(new Error('client went away')))
      return taskResult(await dispatcher.wait(task.taskId, gone.signal))
    }
  }
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

/** What identifies a submit for its Idempotency-Key: every field but `wait`, defaults applied. */
function hashSubmit(submit: ParsedSubmit): string {
  const { capability, input, queue, timeoutMs, agent, peer, retry } = submit
  // `retry` joins only when set, so keys hashed before it existed still match.
  const fields = [capability, input, queue, timeoutMs, agent ?? null, peer ?? null]
  return createHash('sha256')
    .update(JSON.stringify(retry != null ? [...fields, retry] : fields))
    .digest('base64url')
}

/** The task an earlier submit with this key created; 409 when that submit asked for something else. */
function replayed(
  dispatcher: TaskDispatcher,
  key: string | undefined,
  requestHash: string | undefined
): JournalRecord | undefined {
  if (key == null || requestHash == null) return undefined
  const found = dispatcher.replayOf(key, requestHash)
  if (found.kind === 'new') return undefined
  if (found.kind === 'replay') return found.task
  throw new ApiError(
    409,
    'idempotency_conflict',
    `Idempotency-Key ${key} was already used for task ${found.task.taskId} with a different request; send a fresh key to submit a new task`
  )
}

/** A W3C traceparent header (version 00): kept when valid, refused with what to send when not. */
export function parseTraceparentHeader(value: string | string[] | undefined): string | undefined {
  if (value == null) return undefined
  const text = Array.isArray(value) ? value[0] : value
  if (text == null) return undefined
  if (parseTraceparent(text.trim().toLowerCase()) == null)
    throw badRequest(
      `traceparent header ${JSON.stringify(text.slice(0, 80))} is not a W3C trace context: send 00-<32 hex trace id>-<16 hex span id>-<2 hex flags> with non-zero ids, or no header`,
      'bad_traceparent'
    )
  return text.trim().toLowerCase()
}
