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

export {
  type AuctionComponents,
  type AuctionRequest,
  type Auctions,
  createAuctions,
  type ScoredBid,
  scoreBid
} from './auction.js'
export {
  type Answer,
  type Coordination,
  type CoordinationComponents,
  CoordinationError,
  type CoordinationInit,
  createCoordination,
  type Participant,
  type SolveRequest,
  type SolveResult,
  type SubmitTask,
  type SubmittedTask,
  tally,
  type VoteRequest,
  type VoteResult
} from './coordination.js'
export { createMesh, type Mesh, type MeshComponents, type MeshInit } from './mesh.js'
export { createOutboxDelivery, type OutboxDelivery, type OutboxStore } from './outbox.js'
export {
  type AttemptObserver,
  type AttemptOutcome,
  createTaskRouter,
  type ExecutionStore,
  type SubmitOptions,
  type TaskError,
  type TaskEvent,
  type TaskOutcome,
  type TaskRouter,
  type TaskRouterComponents,
  type TaskRouterInit
} from './router.js'
export { type Candidate, candidatesFrom, leastLoaded, type RoutingStrategy } from './strategy.js'
