/**
 * Why an inbound result was not believed (PROTOCOL.md §6.9, §9.1):
 * - `forged_result`: signed, but not by the executor it names, for any attempt this origin sent;
 * - `unknown_token`: signed, but this origin holds no attempt token for a peer on its path;
 * - `unsigned_foreign`: unsigned, and names an executor other than the peer that handed it over;
 * - `not_sent`: a delivery from a peer the task was never sent to (nor forwarded through).
 */
export type RejectReason = 'forged_result' | 'unknown_token' | 'unsigned_foreign' | 'not_sent'

export const REJECT_REASONS: readonly RejectReason[] = [
  'forged_result',
  'unknown_token',
  'unsigned_foreign',
  'not_sent'
]

/** Counts of rejected inbound results by reason, read by the metrics at scrape time. */
export class RejectedResults {
  private readonly counts = new Map<RejectReason, number>(REJECT_REASONS.map((r) => [r, 0]))

  add(reason: RejectReason): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1)
  }

  /** Every reason, zeros too, so a scrape lists them all from the start. */
  totals(): Record<RejectReason, number> {
    return Object.fromEntries(this.counts) as Record<RejectReason, number>
  }
}
