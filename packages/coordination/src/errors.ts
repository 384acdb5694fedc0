/**
 * A round that cannot run or ended without an answer. `code` says which:
 * bad_request, no_voters, no_participants, no_ideas, no_decision, no_bids,
 * too_many_rounds.
 */
export class CoordinationError extends Error {
  override name = 'CoordinationError'
  constructor(
    message: string,
    readonly code: string
  ) {
    super(message)
  }
}
