/**
 * Message schemas of the task protocol and the gossip topics, one file per
 * concept. They are the source of truth for docs/PROTOCOL.md: every inbound
 * message is checked against them before anything acts on it.
 */

export * from './acks.js'
export * from './agent-ad.js'
export * from './cancel.js'
export { schemas, type TaskProtocolMessage, type TaskResultStatus } from './catalog.js'
export * from './coordination.js'
export * from './decode.js'
export * from './discovery.js'
export * from './error.js'
export * from './membership.js'
export * from './progress.js'
export * from './task.js'
