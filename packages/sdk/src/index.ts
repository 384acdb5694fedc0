/**
 * @packageDocumentation
 *
 * Types for writing mesh-node agents as JavaScript or TypeScript modules. A
 * module agent exports one function that receives every request addressed to
 * the agent (tasks, votes, brainstorms, critiques, bids) and returns a JSON
 * value. This package has no runtime dependencies.
 *
 * @example
 * ```ts
 * // my-agent.ts, referenced from the daemon config as
 * // { "handler": { "kind": "module", "path": "./my-agent.js" } }
 * import { defineHandler } from '@mesh-node/sdk'
 *
 * export default defineHandler(async (request, ctx) => {
 *   switch (request.type) {
 *     case 'task_request':
 *       ctx.log('working', { taskId: request.taskId })
 *       return { reversed: String(request.input).split('').reverse().join('') }
 *     case 'consensus_vote':
 *       return { choice: request.options[0] }
 *     case 'brainstorm':
 *       return { idea: `try turning ${request.problem} off and on again` }
 *     case 'critique':
 *       return { ideas: request.ideas.slice(0, 3) }
 *     case 'bid_request':
 *       return { score: request.score }
 *   }
 * })
 *
 * // Messages on the agent's `topics` go to `onMessage` when the module exports it.
 * export const onMessage = (message: MessageRequest) => console.log(message.topic, message.payload)
 * ```
 */

export type { BidAnswer, BrainstormAnswer, CritiqueAnswer, VoteAnswer } from './answers.js'
export { type AgentHandler, defineHandler, type HandlerContext } from './handler.js'
export type {
  BidRequest,
  BrainstormRequest,
  CritiqueRequest,
  HandlerRequest,
  MessageRequest,
  TaskRequest,
  VoteRequest
} from './requests.js'
