import { CliError } from './errors.js'

/**
 * A whole-number flag (`--peers 3`, `--count 10`) within bounds; absent
 * stays undefined. The error names the flag, the bounds and what was given.
 */
export function parseCount(
  text: string | undefined,
  flag: string,
  bounds: { min: number; max: number; unit?: string }
): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (text.trim() === '' || !Number.isInteger(n) || n < bounds.min || n > bounds.max)
    throw new CliError(
      `${flag} must be a whole number${bounds.unit != null ? ` of ${bounds.unit}` : ''} from ${bounds.min} to ${bounds.max} (got "${text}")`
    )
  return n
}
