/**
 * @packageDocumentation
 *
 * Finding and ordering the peers that can run a capability (PROTOCOL.md §6.2):
 * the local registry first, then `capability_query` to connected peers and DHT
 * provider records (`discovery.ts`); the order candidates are tried in
 * (`strategy.ts`); and a task pinned to a peer or agent (`target.ts`).
 * `discovery(init)(components)` is a Startable service: it answers
 * `capability_query` and asks each newly identified peer for its agents.
 * `@mesh-node/tasks` asks it for candidates on every hop.
 */

export * from './constants.js'
export * from './discovery.js'
export * from './messages/capability-query.js'
export * from './providers.js'
export * from './strategy.js'
export * from './target.js'
