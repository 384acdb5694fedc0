/**
 * What the A2A server needs of the node's task path: the daemon adapts its
 * dispatcher and journal to this, so an A2A task is an ordinary mesh task
 * (journaled, routed anywhere in the mesh, cancelled by task_cancel).
 */
export interface MeshTaskView {
  taskId: string
  capability: string
  /** queued, assigned, running, completed, failed or cancelled. */
  status: string
  result?: unknown
  error?: { code: string; message: string }
  executor?: string
  agent?: string
  createdAt: number
  updatedAt: number
}

export interface MeshTasks {
  /** Accepts (journals) a task with this id and starts routing it. */
  submit(request: { taskId: string; capability: string; input: unknown; timeoutMs: number }): void
  get(taskId: string): MeshTaskView | undefined
  /** Every change of any task; returns the unsubscribe. */
  onChange(listener: (task: MeshTaskView) => void): () => void
  cancel(taskId: string): void
}

/** A capability some agent in the mesh offers right now. */
export interface MeshSkill {
  capability: string
  description?: string
}

export const TERMINAL = new Set(['completed', 'failed', 'cancelled'])
