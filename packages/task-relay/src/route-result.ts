import type { TaskResultMessage } from '@mesh-node/protocol'

/** A task's answer as it travels back along its path: a task_result without its envelope. */
export type RouteResult = Omit<TaskResultMessage, 'type' | 'id'>
