import { InvalidRequestError } from './errors.js'

/** Every event type the daemon's stream carries; `GET /v1/events?types=` accepts only these,
 * and `GET /v1/events/types` lists them. */
export const EVENT_TYPES = [
  'task',
  'agent_joined',
  'agent_left',
  'peer_suspect',
  'peer_alive',
  'peer_dead',
  'vote_started',
  'vote_done',
  'auction_started',
  'auction_closed',
  'solve_phase'
] as const

export type EventType = (typeof EVENT_TYPES)[number]

/**
 * A comma-separated list of event types (`?types=`, `--types`), checked
 * against the one list: an unknown name is refused with the valid ones.
 * Absent means every type.
 */
export function parseEventTypeList(text: string | undefined | null, name = 'types'): string[] | undefined {
  if (text == null) return undefined
  const types = text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
  const unknown = types.filter((t) => !(EVENT_TYPES as readonly string[]).includes(t))
  if (types.length === 0 || unknown.length > 0)
    throw new InvalidRequestError(
      `${name}: ${types.length === 0 ? 'give at least one event type' : `unknown event type(s) ${unknown.join(', ').slice(0, 200)}`}; valid types: ${EVENT_TYPES.join(', ')}`
    )
  return types
}
