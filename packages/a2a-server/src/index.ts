/**
 * @packageDocumentation
 *
 * Serves the mesh as an A2A agent (`mesh-node start --a2a HOST:PORT`), on
 * `@a2a-js/sdk`'s server (JSON-RPC binding, A2A 1.0):
 *
 * - `GET /.well-known/agent-card.json`: the card, public, with one skill per
 *   capability some agent in the mesh offers now, signed by the node's peer
 *   key (AgentCardSignature, JWS EdDSA, `kid` = the peer id; see `verifyCard`).
 *   In A2A 0.3's shape unless the request sends `A2A-Version: 1.0`.
 * - `POST /a2a/jsonrpc` with `Authorization: Bearer <DATA_DIR/a2a.token>`:
 *   A2A 0.3's `message/send`, `message/stream`, `tasks/get`, `tasks/cancel`,
 *   `tasks/resubscribe` without an `A2A-Version` header (or with 0.3), and
 *   with `A2A-Version: 1.0` their 1.0 names `SendMessage`,
 *   `SendStreamingMessage`, `GetTask`, `CancelTask`, `SubscribeToTask`. A message picks its
 *   capability by `metadata.skill` (or the only skill there is) and may set
 *   `metadata.timeoutMs`. Each message becomes one mesh task with the A2A
 *   task's id, submitted through the node's own task path: it may run
 *   anywhere in the mesh, is journaled like any task, and a cancel reaches
 *   its executor.
 *
 * @example
 * ```ts
 * import { a2aServer, loadOrCreateToken } from '@mesh-node/a2a-server'
 *
 * const server = a2aServer({ host: '127.0.0.1', port: 0, token: loadOrCreateToken('a2a.token') })({
 *   tasks, skills, peerId, privateKey: key.raw, log
 * })
 * await server.start()
 * console.log(server.cardUrl)
 * ```
 */

export { taskOf } from './a2a-task.js'
export { BEARER_SCHEME, buildCard, JSONRPC_PATH, publicJwkOfPeer, signCard, verifyCard } from './card.js'
export { A2aServerError } from './errors.js'
export { pickSkill } from './executor.js'
export type { MeshSkill, MeshTaskPiece, MeshTasks, MeshTaskView } from './mesh-tasks.js'
export {
  type A2aServer,
  type A2aServerComponents,
  type A2aServerInit,
  a2aServer
} from './server.js'
export { MeshTaskStore } from './task-store.js'
export { bearerMatches, loadOrCreateToken } from './token.js'
