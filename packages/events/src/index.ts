/**
 * @packageDocumentation
 *
 * The node's event feed: journal and mesh changes become events
 * (`task-events.ts`: `publishMeshEvents`; the list of types is the API's, `EVENT_TYPES`), which a hub fans
 * out to server-sent-event clients, dropping one that stops reading
 * (`event-hub.ts`). The daemon makes the hub; the control API serves it at
 * `GET /v1/events`.
 */

export * from './event-hub.js'
export * from './task-events.js'
