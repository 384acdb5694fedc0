/**
 * @packageDocumentation
 *
 * The control API: an HTTP server on loopback that requires the data dir's
 * token (`server.ts`, `request-guards.ts`), with one file per group of
 * routes (`*-routes.ts`); the event feed it serves at `GET /v1/events` is
 * `@mesh-node/events`. The daemon composes it in `start/api.ts`.
 */

export * from './api-error.js'
export * from './coordination-routes.js'
export * from './dashboard-routes.js'
export * from './health.js'
export * from './input-check.js'
export * from './mesh-routes.js'
export * from './node-names.js'
export * from './node-routes.js'
export * from './observe-routes.js'
export * from './request-guards.js'
export * from './route-table.js'
export * from './server.js'
export * from './stream-route.js'
export * from './submit-route.js'
export * from './task-routes.js'
export * from './task-target.js'
export * from './topic-routes.js'
