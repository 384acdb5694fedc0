/** What `/v1/health` answers; the daemon implements it (`daemon/src/observability.ts`). */
export interface HealthReport {
  /** The process answers: always true when there is an answer at all. */
  live: boolean
  /** Ready for work: the journal is open and discovery has had its first round. */
  ready: boolean
  checks: { journal: boolean; discovery: boolean }
  peerId: string
  uptimeMs: number
}

export interface Health {
  report(): HealthReport
  journalOpened(): void
  /** Discovery counts as run after its first round, or at once when a peer is found earlier. */
  discoveryStarted(firstRoundMs: number): void
  close(): void
}
