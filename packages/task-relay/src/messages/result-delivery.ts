import { DeliveryAckSchema, ResultDeliverySchema, type TaskResultMessage } from '@mesh-node/protocol'
import { defineMessage, type Handler, type ReplyOf, type RequestOf } from '@mesh-node/rpc'
import type { Logger } from 'pino'
import type { RejectedResults } from '../rejections.js'
import { type AttemptTokens, disbelief } from '../signing.js'

/** An executor pushing a result the origin missed while it was away. */
export const resultDelivery = defineMessage(
  'result_delivery',
  'delivery_ack',
  ResultDeliverySchema,
  DeliveryAckSchema
)

export type DeliveredResult = Omit<TaskResultMessage, 'type' | 'id'>

export interface ResultDeliveryComponents {
  /** The origin's side of a result that holds; returns whether it knows the task. Without it, none is known. */
  accept?: (result: DeliveredResult, from: string) => boolean | Promise<boolean>
  /** The tokens of the attempts this origin sent, by task. */
  tokens: Pick<AttemptTokens, 'forPath'>
  rejected: Pick<RejectedResults, 'add'>
  log: Logger
}

/**
 * A late result counts only when its executor claim holds for one of the
 * attempts this origin sent to a peer on its path (signing.ts); one that
 * does not is acknowledged as known and ignored, so its sender stops.
 */
export function resultDeliveryHandler(
  c: ResultDeliveryComponents
): Handler<RequestOf<typeof resultDelivery>, ReplyOf<typeof resultDelivery>> {
  const known = async (result: DeliveredResult, from: string): Promise<boolean> => {
    if (c.accept === undefined) return false
    const reason = await disbelief(result, c.tokens.forPath(result.taskId, result.path), from)
    if (reason === undefined) return await c.accept(result, from)
    c.rejected.add(reason)
    c.log.warn(
      {
        taskId: result.taskId,
        remotePeer: from,
        executor: result.executor,
        signed: result.sig !== undefined,
        reason
      },
      'ignored a delivered result whose executor claim does not verify'
    )
    return true
  }
  return async (msg, remote) => ({
    type: 'delivery_ack',
    id: msg.id,
    taskId: msg.result.taskId,
    known: await known(msg.result, remote.toString())
  })
}
