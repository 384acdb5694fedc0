/** JSON shapes of the control API (docs/API.md); the CLI's --json prints them unchanged. */

export interface IdInfo {
  peerId: string
  addresses: string[]
}

export interface PeerInfo {
  peerId: string
  addresses: string[]
}

export interface ApiErrorBody {
  error: string
  code: string
}

export interface TaskErrorInfo {
  code: string
  message: string
}

/** The answer to a submitted task (POST /v1/tasks with wait, and `submit --json`). */
export interface TaskResult {
  taskId: string
  status: 'completed' | 'failed'
  result: unknown
  error: TaskErrorInfo | null
  executor: string | null
  agent: string | null
  path: string[]
}

/** A task this node submitted, ran or forwarded. */
export interface TaskInfo {
  taskId: string
  role: 'origin' | 'executor' | 'forwarder'
  capability: string
  from: string
  status: string
  createdAt: number
  updatedAt: number
  executor?: string
  agent?: string
  path?: string[]
  result?: unknown
  error?: TaskErrorInfo
}

export interface AgentInfo {
  peerId: string
  agent: string
  capabilities: string[]
  load: number
  capacity: number
  running: number
  local: boolean
}

export interface SubmitRequest {
  capability: string
  input?: unknown
  timeoutMs?: number
}
