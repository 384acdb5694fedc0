import { randomUUID } from 'node:crypto'
import { type Message, type Part, Role, type Task, TaskState } from '@a2a-js/sdk'
import { HandlerError } from '@mesh-node/handlers'

/** A JSON value as one A2A part: a string is a text part, anything else one data part. */
export function partOf(value: unknown): Part {
  return typeof value === 'string'
    ? { content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' }
    : {
        content: { $case: 'data', value: value ?? null },
        metadata: undefined,
        filename: '',
        mediaType: 'application/json'
      }
}

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

/** Parts as one JSON value: a lone text or data part is its value, several are an array of values. */
export function valueOfParts(parts: Part[]): unknown {
  const values = parts.map((p) => {
    const c = p.content
    if (c === undefined) return null
    if (c.$case === 'raw') return { raw: Buffer.from(c.value).toString('base64'), mediaType: p.mediaType }
    if (c.$case === 'url') return { url: c.value, mediaType: p.mediaType }
    return c.value
  })
  return values.length === 1 ? values[0] : values
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
