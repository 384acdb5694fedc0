import type { Task } from '@a2a-js/sdk'
import {
  AgentEvent,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext
} from '@a2a-js/sdk/server'
import { partOf, valueOfParts } from '@mesh-node/agent-bridges'
import type { Logger } from 'pino'
import { agentMessage, partialArtifact, resultArtifact, stateOf, statusOf } from './a2a-task.js'
import {
  type MeshSkill,
  type MeshTaskPiece,
  type MeshTasks,
  type MeshTaskView,
  TERMINAL
} from './mesh-tasks.js'

export interface ExecutorInit {
  tasks: MeshTasks
  skills: () => MeshSkill[]
  /** Used when the message's metadata names no `timeoutMs`. */
  defaultTimeoutMs: number
  maxTimeoutMs: number
  log: Logger
}

/** A status update that fails the task, saying why. */
function failedUpdate(taskId: string, contextId: string, text: string) {
  return AgentEvent.statusUpdate({
    taskId,
    contextId,
    status: {
      state: stateOf('failed'),
      timestamp: new Date().toISOString(),
      message: agentMessage(taskId, contextId, text)
    },
    metadata: undefined
  })
}

/** Which capability a message asks for: `metadata.skill`, or the only skill there is. */
export function pickSkill(metadata: Record<string, unknown> | undefined, skills: MeshSkill[]): string {
  const named = metadata?.skill
  const list = skills.map((s) => s.capability)
  if (typeof named === 'string' && named !== '') {
    if (list.includes(named)) return named
    throw new Error(`no agent in the mesh offers skill "${named}" now; skills: ${list.join(', ') || 'none'}`)
  }
  const [only] = list
  if (list.length === 1 && only != null) return only
  throw new Error(
    `name the skill in the message's metadata, e.g. {"skill": "${list[0] ?? 'text.upper'}"}; skills: ${list.join(', ') || 'none'}`
  )
}

function timeoutOf(metadata: Record<string, unknown> | undefined, init: ExecutorInit): number {
  const t = metadata?.timeoutMs
  if (typeof t !== 'number' || !Number.isFinite(t)) return init.defaultTimeoutMs
  return Math.min(Math.max(1, Math.round(t)), init.maxTimeoutMs)
}

/**
 * Runs each A2A message as one mesh task with the A2A task's id, and turns
 * the task's journal changes into A2A events: submitted, working, the
 * result artifact, then completed, failed or canceled.
 */
export function meshExecutor(init: ExecutorInit): AgentExecutor {
  return {
    async execute(ctx: RequestContext, bus: ExecutionEventBus): Promise<void> {
      const { taskId, contextId } = ctx
      const message = ctx.userMessage
      const task: Task = {
        id: taskId,
        contextId,
        status: { state: stateOf('queued'), timestamp: new Date().toISOString(), message: undefined },
        artifacts: [],
        history: [message],
        metadata: undefined
      }
      const fail = (text: string): void => {
        bus.publish(AgentEvent.task(task))
        bus.publish(failedUpdate(taskId, contextId, text))
        bus.finished()
      }
      if (ctx.task !== undefined || init.tasks.get(taskId) !== undefined)
        return fail('this agent does not continue a task: send a new message without a taskId')
      let capability: string
      try {
        capability = pickSkill(message.metadata, init.skills())
      } catch (err) {
        return fail((err as Error).message)
      }
      task.metadata = { capability }
      bus.publish(AgentEvent.task(task))
      await follow(init, bus, {
        taskId,
        contextId,
        capability,
        input: valueOfParts(message.parts),
        timeoutMs: timeoutOf(message.metadata, init)
      })
      bus.finished()
    },
    async cancelTask(taskId: string): Promise<void> {
      // The mesh's cancel reaches the executor; follow() then reports CANCELED.
      init.tasks.cancel(taskId)
    }
  }
}

/**
 * A streamed piece as an A2A event: partial output is appended to a partial
 * artifact, progress is a WORKING status whose message carries the piece.
 */
function pieceEvent(piece: MeshTaskPiece, contextId: string) {
  const { taskId } = piece
  if (piece.kind === 'partial')
    return AgentEvent.artifactUpdate({
      taskId,
      contextId,
      append: true,
      lastChunk: false,
      artifact: partialArtifact(piece),
      metadata: undefined
    })
  return AgentEvent.statusUpdate({
    taskId,
    contextId,
    status: {
      state: stateOf('running'),
      timestamp: new Date().toISOString(),
      message: { ...agentMessage(taskId, contextId, ''), parts: [partOf(piece.data)] }
    },
    metadata: { progress: true }
  })
}

/** Submits the mesh task and publishes its changes and streamed pieces until it ends. */
async function follow(
  init: ExecutorInit,
  bus: ExecutionEventBus,
  t: { taskId: string; contextId: string; capability: string; input: unknown; timeoutMs: number }
): Promise<void> {
  const { taskId, contextId } = t
  let ended = false
  const offPieces = init.tasks.onPiece?.((piece) => {
    if (piece.taskId === taskId && !ended) bus.publish(pieceEvent(piece, contextId))
  })
  try {
    await followStatus(init, bus, t, () => {
      ended = true
    })
  } finally {
    offPieces?.()
  }
}

/** Publishes the task's status changes (and the result artifact) until it ends. */
async function followStatus(
  init: ExecutorInit,
  bus: ExecutionEventBus,
  t: { taskId: string; contextId: string; capability: string; input: unknown; timeoutMs: number },
  onEnd: () => void
): Promise<void> {
  const { taskId, contextId } = t
  let last = 'queued'
  await new Promise<void>((resolve) => {
    const onTask = (task: MeshTaskView): void => {
      if (task.taskId !== taskId || task.status === last) return
      // assigned and running are both WORKING: publish it once.
      if (stateOf(task.status) === stateOf(last) && !TERMINAL.has(task.status)) return
      last = task.status
      if (TERMINAL.has(task.status)) onEnd()
      if (task.status === 'completed')
        bus.publish(
          AgentEvent.artifactUpdate({
            taskId,
            contextId,
            append: false,
            lastChunk: true,
            artifact: resultArtifact(task),
            metadata: undefined
          })
        )
      bus.publish(
        AgentEvent.statusUpdate({ taskId, contextId, status: statusOf(task, contextId), metadata: undefined })
      )
      if (TERMINAL.has(task.status)) {
        off()
        resolve()
      }
    }
    const off = init.tasks.onChange(onTask)
    try {
      init.tasks.submit({ taskId, capability: t.capability, input: t.input, timeoutMs: t.timeoutMs })
    } catch (err) {
      off()
      init.log.warn({ taskId, err: (err as Error).message }, 'A2A message not accepted as a mesh task')
      bus.publish(failedUpdate(taskId, contextId, (err as Error).message))
      resolve()
      return
    }
    // A change before the listener saw it (a local agent can finish at once).
    const now = init.tasks.get(taskId)
    if (now !== undefined) onTask(now)
  })
}
