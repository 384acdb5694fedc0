import { AgentAnswerSchema, AgentAskSchema } from '@mesh-node/protocol'
import { defineMessage, type Handler, type ReplyOf, type RequestOf } from '@mesh-node/rpc'
import type { Rounds } from '../rounds.js'

/** A question for one agent: a vote, a brainstorm, a critique or a bid request. */
export const agentAsk = defineMessage('agent_ask', 'agent_answer', AgentAskSchema, AgentAnswerSchema)

export function agentAskHandler(
  rounds: Pick<Rounds, 'answer'>
): Handler<RequestOf<typeof agentAsk>, ReplyOf<typeof agentAsk>> {
  return async (msg, remote) => await rounds.answer(msg, remote.toString())
}
