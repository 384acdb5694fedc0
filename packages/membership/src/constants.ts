/** How often the registry drops peers not heard from within its TTL. */
export const EXPIRY_INTERVAL_MS = 1000

/** How long an anti-entropy exchange may take. */
export const STATE_SYNC_TIMEOUT_MS = 3000

/**
 * How long a peer whose gossip a forwarder brought in counts as pending
 * before the failure detector has it as a member (it normally does at once).
 */
export const PENDING_ADMISSION_MS = 10_000
