import { CliError } from './errors.js'

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * A duration flag: `500ms`, `5s`, `1.5s`, `2m`, `1h`, or plain milliseconds
 * (`30000`) as before. Bounds are checked in milliseconds and named in the
 * error the way the user may write them.
 */
export function parseDuration(
  text: string | undefined,
  flag: string,
  bounds: { min?: number; max: number }
): number | undefined {
  if (text === undefined) return undefined
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text)
  const unit = match == null ? undefined : UNITS[match[2] ?? 'ms']
  const ms = match == null || unit == null ? Number.NaN : Math.round(Number(match[1]) * unit)
  const min = bounds.min ?? 1
  if (!Number.isFinite(ms) || ms < min || ms > bounds.max)
    throw new CliError(
      `${flag} must be a duration from ${formatDuration(min)} to ${formatDuration(bounds.max)}, e.g. 500ms, 5s or 2m (plain numbers are milliseconds); got "${text}"`
    )
  return ms
}

/** The shortest exact way to write a duration: 600000 -> 10m, 1500 -> 1500ms. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`
  return `${ms}ms`
}
