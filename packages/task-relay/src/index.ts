/**
 * @packageDocumentation
 *
 * What travels along a task's path after its request, and the tables each
 * hop keeps for it: the running confirmation (`running.ts`, §5.7), streamed
 * pieces (`pieces.ts`, §5.6), cancels passed hop by hop (`cancels.ts`,
 * §6.8), results bound to attempts and signed by their executor
 * (`signing.ts`, `rejections.ts`, §6.9), tasks signed by their origin
 * (`request-signing.ts`, §6.10), results held for an origin that was
 * away (`outbox.ts`, `outbox-bounds.ts`, §9.1), per-peer silence
 * (`silence.ts`) and trace context (`trace.ts`, §6.6).
 *
 * `@mesh-node/tasks` composes them on the task path; each message's
 * definition and handler is one file in `messages/`.
 */

export * from './cancels.js'
export * from './messages/result-ack.js'
export * from './messages/result-delivery.js'
export * from './messages/task-cancel.js'
export * from './messages/task-piece.js'
export * from './messages/task-running.js'
export * from './outbox.js'
export * from './outbox-bounds.js'
export * from './pieces.js'
export * from './rejections.js'
export * from './request-signing.js'
export * from './result-acks.js'
export * from './route-result.js'
export * from './running.js'
export * from './signing.js'
export * from './silence.js'
export * from './trace.js'
