/**
 * @packageDocumentation
 *
 * The mesh subsystems of a mesh-node, each a factory taking its components
 * explicitly (js-libp2p style), so each can be tested with real peers:
 *
 * - coordination: votes, brainstorm/critique/solve rounds, auctions
 * - `createMesh`: membership, rpc, tasks (`@mesh-node/tasks`) and
 *   coordination wired together on one libp2p node
 *
 * @example
 * ```ts
 * import { createMesh } from '@mesh-node/mesh'
 *
 * const mesh = createMesh({ libp2p: peer.libp2p, runtime, log })
 * await mesh.start()
 * const outcome = await mesh.tasks.submit({ capability: 'echo', input: 'hi', timeoutMs: 5000 })
 * ```
 */

export type { AuctionOutcome, AuctionRun, Auctions, ScoredBid } from './auction.js'
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
