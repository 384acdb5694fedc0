import { randomUUID } from 'node:crypto'
import { type Message, Role, type Task, TaskState } from '@a2a-js/sdk'
import { HandlerError } from '@mesh-node/handlers'
import { partOf, valueOfParts } from './a2a-parts.js'

// A mesh task as an A2A call, and the A2A task back as a result. It needs the
// SDK's enums at run time, so only a2a.ts (loaded on an A2A agent's first use) imports it.

/** A task input as the user message of an A2A call. */
export function messageOf(input: unknown, skill: string): Message {
  return {
    messageId: randomUUID(),
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts: [partOf(input)],
    // A2A has no field that picks a skill; agents with several read it here.
    metadata: { skill },
    extensions: [],
    referenceTaskIds: []
  }
}

/** A finished task's answer: its artifacts' parts, else its final status message. */
export function resultOfTask(task: Task): unknown {
  const state = task.status?.state
  const statusText = () => {
    const text = valueOfParts(task.status?.message?.parts ?? [])
    return typeof text === 'string' && text !== '' ? `: ${text.slice(0, 500)}` : ''
  }
  switch (state) {
    case TaskState.TASK_STATE_COMPLETED: {
      const parts = task.artifacts.flatMap((a) => a.parts)
      return valueOfParts(parts.length > 0 ? parts : (task.status?.message?.parts ?? []))
    }
    case TaskState.TASK_STATE_FAILED:
    case TaskState.TASK_STATE_REJECTED:
      throw new HandlerError('handler_failed', `A2A task ${task.id} ${stateName(state)}${statusText()}`)
    case TaskState.TASK_STATE_CANCELED:
      throw new HandlerError(
        'handler_failed',
        `A2A task ${task.id} was cancelled by the remote agent${statusText()}`
      )
    default:
      throw new HandlerError(
        'handler_failed',
        `A2A task ${task.id} stopped in state ${stateName(state)}${statusText()}; the mesh cannot answer follow-up questions`
      )
  }
}

export function isFinal(state: TaskState | undefined): boolean {
  return (
    state === TaskState.TASK_STATE_COMPLETED ||
    state === TaskState.TASK_STATE_FAILED ||
    state === TaskState.TASK_STATE_CANCELED ||
    state === TaskState.TASK_STATE_REJECTED ||
    state === TaskState.TASK_STATE_INPUT_REQUIRED ||
    state === TaskState.TASK_STATE_AUTH_REQUIRED
  )
}

function stateName(state: TaskState | undefined): string {
  return state === undefined
    ? 'unknown'
    : (TaskState[state] ?? String(state)).replace('TASK_STATE_', '').toLowerCase()
}
