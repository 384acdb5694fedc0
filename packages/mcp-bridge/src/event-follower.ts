import type { ApiEvent, MeshClient } from '@mesh-node/client'

const RETRY_FIRST_MS = 200
const RETRY_MAX_MS = 5000

/**
 * Follows the daemon's event stream for the bridge's lifetime, reconnecting
 * with backoff when the daemon restarts, and hands each event to `onEvent`.
 * `onReconnect` runs after every (re)connection: events may have been
 * missed, so state must be re-read.
 */
export function followEvents(
  client: MeshClient,
  signal: AbortSignal,
  onEvent: (event: ApiEvent) => void,
  onReconnect: () => void
): Promise<void> {
  const run = async () => {
    let delay = RETRY_FIRST_MS
    while (!signal.aborted) {
      try {
        for await (const event of client.events({ types: ['agent_joined', 'agent_left', 'task'], signal })) {
          delay = RETRY_FIRST_MS
          onEvent(event)
        }
      } catch {
        // The daemon went away or refused; try again below.
      }
      if (signal.aborted) return
      await new Promise((resolve) => setTimeout(resolve, delay).unref())
      delay = Math.min(RETRY_MAX_MS, delay * 2)
      onReconnect()
    }
  }
  return run()
}
