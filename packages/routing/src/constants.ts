/** How long a cold lookup may wait on the DHT. */
export const DEFAULT_DHT_LOOKUP_TIMEOUT_MS = 1500
/** How long a newly identified peer may take to say which agents it runs. */
export const PEER_QUERY_TIMEOUT_MS = 5_000
