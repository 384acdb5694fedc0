/**
 * @packageDocumentation
 *
 * The mesh subsystems of a mesh-node, each a factory taking its components
 * explicitly (js-libp2p style), so each can be tested with real peers:
 *
 * - `createTaskRouter`: submit, route, delegate, forward, de-duplicate
 * - `createMesh`: all of the above wired together on one libp2p node
 *
 * @example
 * ```ts
 * import { createMesh } from '@mesh-node/mesh'
 *
 * const mesh = createMesh({ libp2p: peer.libp2p, runtime, log })
 * await mesh.start()
 * const outcome = await mesh.router.submit({ capability: 'echo', input: 'hi', timeoutMs: 5000 })
 * ```
 */

export type { AuctionOutcome, AuctionRun, Auctions, ScoredBid } from './auction.js'
export { isCancel, TaskCancelledError } from './cancels.js'
export {
  type Coordination,
  CoordinationError,
  type CoordinationInit,
  type SolveResult,
  type SubmitTask,
  type SubmittedTask,
  type VoteResult,
  type VoteRoundRequest
} from './coordination.js'
export { createMesh, type Mesh, type MeshComponents, type MeshInit } from './mesh.js'
export type { OutboxDelivery, OutboxStore } from './outbox.js'
export type { PieceDropReason, StreamedPiece, TaskPieces } from './pieces.js'
export type {
  AttemptObserver,
  ExecutionStore,
  OutcomeError,
  SubmitOptions,
  TaskEvent,
  TaskOutcome,
  TaskRouter,
  TaskRouterInit
} from './router.js'
export type { RoutingStrategy } from './strategy.js'
export { TASK_TARGET_FEATURE, type TaskTarget } from './target.js'
export { formatTraceparent, parseTraceparent, type TraceContext, traceFor } from './trace.js'
