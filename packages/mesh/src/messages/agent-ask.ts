import { AgentAnswerSchema, AgentAskSchema } from '@mesh-node/protocol'
import { defineMessage, type Handler, type ReplyOf, type RequestOf } from '@mesh-node/rpc'
import type { Coordination } from '../coordination.js'

/** A question for one agent: a vote, a brainstorm, a critique or a bid request. */
export const agentAsk = defineMessage('agent_ask', 'agent_answer', AgentAskSchema, AgentAnswerSchema)

export function agentAskHandler(
  coordination: Pick<Coordination, 'answer'>
): Handler<RequestOf<typeof agentAsk>, ReplyOf<typeof agentAsk>> {
  return async (msg, remote) => await coordination.answer(msg, remote.toString())
}
