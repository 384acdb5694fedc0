/** Each node announces its state at least this often; the one heartbeat default of the mesh. */
export const DEFAULT_HEARTBEAT_MS = 1000

/** How often the registry drops peers not heard from within its TTL. */
export const EXPIRY_INTERVAL_MS = 1000

/** How long an anti-entropy exchange may take. */
export const STATE_SYNC_TIMEOUT_MS = 3000
