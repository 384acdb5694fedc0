import type { Mesh } from '@mesh-node/mesh'
import { CAPABILITY_PATTERN } from '@mesh-node/protocol'
import type { TaskStore } from '../task-store.js'
import { badRequest, notFound } from './api-error.js'
import { ApiReply, type Route } from './server.js'

export interface TaskRoutesInit {
  mesh: Mesh
  tasks: TaskStore
  defaultTimeoutMs: number
}

interface SubmitBody {
  capability: string
  input: unknown
  wait: boolean
  timeoutMs: number
}

function parseSubmit(body: unknown, defaultTimeoutMs: number): SubmitBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('the body must be a JSON object: {"capability", "input", "wait", "timeoutMs"}')
  const b = body as Record<string, unknown>
  const unknown = Object.keys(b).filter((k) => !['capability', 'input', 'wait', 'timeoutMs'].includes(k))
  if (unknown.length > 0) throw badRequest(`unknown field(s): ${unknown.join(', ')}`)
  if (typeof b.capability !== 'string' || !CAPABILITY_PATTERN.test(b.capability)) {
    throw badRequest(
      'capability must be a name of letters, digits and . _ : / - (at most 128), e.g. "text.upper"'
    )
  }
  if (b.wait !== undefined && typeof b.wait !== 'boolean') throw badRequest('wait must be true or false')
  const timeoutMs = b.timeoutMs ?? defaultTimeoutMs
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) {
    throw badRequest('timeoutMs must be an integer from 1 to 600000')
  }
  return { capability: b.capability, input: b.input ?? null, wait: b.wait !== false, timeoutMs }
}

/** Submitting tasks, and what this node knows of tasks and agents. */
export function taskRoutes({ mesh, tasks, defaultTimeoutMs }: TaskRoutesInit): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/tasks',
      handler: async ({ body, log }) => {
        const submit = parseSubmit(body, defaultTimeoutMs)
        const taskId = crypto.randomUUID()
        log.info({ taskId, capability: submit.capability }, 'task accepted')
        const running = mesh.router
          .submit({ taskId, capability: submit.capability, input: submit.input, timeoutMs: submit.timeoutMs })
          .then((outcome) => {
            tasks.finish(outcome)
            return outcome
          })
        if (!submit.wait) {
          running.catch((err: Error) => log.error({ taskId, err }, 'task failed unexpectedly'))
          return new ApiReply(202, { taskId })
        }
        const outcome = await running
        return {
          taskId: outcome.taskId,
          status: outcome.status,
          result: outcome.result ?? null,
          error: outcome.error ?? null,
          executor: outcome.executor ?? null,
          agent: outcome.agent ?? null,
          path: outcome.path
        }
      }
    },
    {
      method: 'GET',
      path: '/v1/tasks',
      handler: ({ query }) => {
        const limit = Number(query.get('limit') ?? 100)
        if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
          throw badRequest('limit must be an integer from 1 to 10000')
        return tasks.list(limit)
      }
    },
    {
      method: 'GET',
      path: '/v1/tasks/:id',
      handler: ({ params }) =>
        tasks.get(params.id) ??
        (() => {
          throw notFound(`no task ${params.id} on this node`, 'unknown_task')
        })()
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
