/**
 * @packageDocumentation
 *
 * The origin's task dispatcher (PROTOCOL.md §9.2): it accepts a task into the
 * journal, sends it into the mesh through `@mesh-node/tasks`, resumes open
 * tasks after a restart (waiting for the executor it had sent them to), and
 * holds each task's live streams and trace spans for the control API. Its
 * journal writes go in one group commit per event-loop turn
 * (`journal-writes.ts`), and accepted tasks go out at the pace of
 * `dispatch-pump.ts`: a burst of submits is answered first, its backlog
 * dispatched right after, at most 256 at once. On
 * the executor's side, `execution-log.ts` writes the outcomes of runs to the
 * journal's executions table in groups.
 */

export * from './deadline-guard.js'
export * from './dispatch-pump.js'
export * from './dispatcher-types.js'
export * from './execution-log.js'
export * from './task-dispatcher.js'
export * from './task-route.js'
export * from './task-store.js'
export * from './task-streams.js'
export * from './trace-store.js'
