import type {
  AuctionRequestBody,
  AuctionResultInfo,
  SolveRequestBody,
  SolveResultInfo,
  VoteRequestBody,
  VoteResultInfo
} from '@mesh-node/api'

type Request = <T>(
  method: string,
  path: string,
  body?: unknown,
  options?: { timeoutMs?: number }
) => Promise<T>

export interface CoordinationClient {
  vote(request: VoteRequestBody): Promise<VoteResultInfo>
  auction(request: AuctionRequestBody): Promise<AuctionResultInfo>
  solve(request: SolveRequestBody): Promise<SolveResultInfo>
}

/**
 * Votes, auctions and solves. Each HTTP request waits as long as the
 * daemon's own round may take (its timeouts plus 10 s), so a slow round is
 * answered rather than cut by the client.
 */
export function coordinationClient(request: Request): CoordinationClient {
  return {
    vote: async (body) =>
      await request<VoteResultInfo>('POST', '/v1/votes', body, {
        timeoutMs: (body.timeoutMs ?? 10_000) + 10_000
      }),
    auction: async (body) =>
      await request<AuctionResultInfo>('POST', '/v1/auctions', body, {
        timeoutMs: (body.deadlineMs ?? 2000) + (body.timeoutMs ?? 30_000) + 10_000
      }),
    solve: async (body) =>
      await request<SolveResultInfo>('POST', '/v1/solve', body, {
        timeoutMs: 4 * (body.phaseTimeoutMs ?? 30_000) + 10_000
      })
  }
}
