import { type Artifact, type Message, Role, type Task, TaskState } from '@a2a-js/sdk'
import { partOf } from '@mesh-node/agent-bridges'
import type { MeshTaskPiece, MeshTaskView } from './mesh-tasks.js'

/** A mesh task's status as an A2A task state. */
export function stateOf(status: string): TaskState {
  switch (status) {
    case 'queued':
      return TaskState.TASK_STATE_SUBMITTED
    case 'assigned':
    case 'running':
      return TaskState.TASK_STATE_WORKING
    case 'completed':
      return TaskState.TASK_STATE_COMPLETED
    case 'cancelled':
      return TaskState.TASK_STATE_CANCELED
    default:
      return TaskState.TASK_STATE_FAILED
  }
}

export function agentMessage(taskId: string, contextId: string, text: string): Message {
  return {
    messageId: `${taskId}-status`,
    contextId,
    taskId,
    role: Role.ROLE_AGENT,
    parts: [partOf(text)],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: []
  }
}

/** The task's result as its one artifact, named after the capability. */
export function resultArtifact(task: MeshTaskView): Artifact {
  return {
    artifactId: `${task.taskId}-result`,
    name: task.capability,
    description: '',
    parts: [partOf(task.result)],
    metadata: { executor: task.executor, agent: task.agent },
    extensions: []
  }
}

/** The A2A status of a mesh task: a failure says its code and message. */
export function statusOf(task: MeshTaskView, contextId: string): Task['status'] {
  const text =
    task.status === 'failed' && task.error != null
      ? `${task.error.code}: ${task.error.message}`
      : task.status === 'cancelled'
        ? 'cancelled'
        : undefined
  return {
    state: stateOf(task.status),
    timestamp: new Date(task.updatedAt).toISOString(),
    message: text === undefined ? undefined : agentMessage(task.taskId, contextId, text)
  }
}

/** The whole A2A task for a mesh task, e.g. one read back from the journal after a restart. */
export function taskOf(task: MeshTaskView, contextId = ''): Task {
  return {
    id: task.taskId,
    contextId,
    status: statusOf(task, contextId),
    artifacts: task.status === 'completed' ? [resultArtifact(task)] : [],
    history: [],
    metadata: { capability: task.capability }
  }
}

/** A partial piece as a chunk appended to the task's partial-output artifact; the final result stays its own artifact. */
export function partialArtifact(piece: MeshTaskPiece): Artifact {
  return {
    artifactId: `${piece.taskId}-partial`,
    name: 'partial',
    description: 'output streamed while the task ran',
    parts: [partOf(piece.data)],
    metadata: undefined,
    extensions: []
  }
}
