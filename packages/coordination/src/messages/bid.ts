import { BidAckSchema, BidSchema } from '@mesh-node/protocol'
import { defineMessage, type Handler, type ReplyOf, type RequestOf } from '@mesh-node/rpc'
import type { Auctions } from '../auction.js'

/** A bid, sent straight to the auctioneer in answer to a call_for_bids. */
export const bid = defineMessage('bid', 'bid_ack', BidSchema, BidAckSchema)

export function bidHandler(
  auctions: Pick<Auctions, 'receiveBid'>
): Handler<RequestOf<typeof bid>, ReplyOf<typeof bid>> {
  return (msg, remote) => auctions.receiveBid(msg, remote.toString())
}
