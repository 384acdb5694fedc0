/**
 * Each node announces its state at least this often; the one heartbeat
 * default of the mesh. Every node receives every other's beat, so this sets
 * most of an idle node's CPU: 1000 ms cost a 10-node mesh 25-35 % more CPU
 * per node than 2000 ms (bench/results/optimizations.md row 11).
 */
export const DEFAULT_HEARTBEAT_MS = 2000

/** How often the registry drops peers not heard from within its TTL. */
export const EXPIRY_INTERVAL_MS = 1000

/** How long an anti-entropy exchange may take. */
export const STATE_SYNC_TIMEOUT_MS = 3000

/**
 * How long a peer whose gossip a forwarder brought in counts as pending
 * before the failure detector has it as a member (it normally does at once).
 */
export const PENDING_ADMISSION_MS = 10_000
