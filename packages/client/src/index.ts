/**
 * @packageDocumentation
 *
 * A small typed client for the mesh-node control API. It finds a running
 * daemon through the `api` and `api.token` files in its data dir, the way
 * the `mesh-node` CLI does.
 *
 * @example
 * ```ts
 * import { connect } from '@mesh-node/client'
 *
 * const mesh = await connect()                 // $MESH_NODE_HOME or ~/.mesh-node
 * console.log(await mesh.id())
 * console.log(await mesh.peers())
 * ```
 */

export type * from '@mesh-node/api'
export { EVENT_TYPES, InvalidRequestError, MAX_TASK_TIMEOUT_MS, parseEventTypeList } from '@mesh-node/api'
export {
  type ConnectOptions,
  connect,
  createClient,
  type MeshClient,
  type RequestOptions,
  type SubmitOptions
} from './client.js'
export type { CoordinationClient } from './coordination.js'
export { type ApiEndpoint, defaultDataDir, readApiEndpoint } from './data-dir.js'
export { MeshClientError } from './errors.js'
export type { RetryInfo } from './retry.js'
export type { TaskStreamOptions } from './task-stream.js'
export { TERMINAL_TASK_STATES, type WaitForTaskOptions } from './task-wait.js'
export type {
  PublishAck,
  SendAck,
  TopicClient,
  TopicMessage,
  TopicSubscribeOptions,
  TopicSubscription
} from './topics.js'
