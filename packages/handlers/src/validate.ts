// Small field checkers shared by the agent and handler parsers. Each takes the
// dotted path of the field so the error can point at it exactly.

/** Throws an AgentConfigError for the current agent; bound by the caller. */
export type Fail = (field: string, problem: string) => never

/** What a capability name may be; names derived from mcp tools are held to it too. */
export const CAPABILITY = /^[a-z0-9][a-z0-9._:/-]{0,127}$/i

/** setTimeout silently fires at once for delays above this. */
export const MAX_TIMEOUT_MS = 2_147_483_647

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function rejectUnknownFields(
  obj: Record<string, unknown>,
  known: readonly string[],
  prefix: string,
  fail: Fail,
  where = ''
): void {
  const unknown = Object.keys(obj).filter((k) => !known.includes(k))
  if (unknown.length === 0) return
  const fields = unknown.map((k) => prefix + k).join(', ')
  const verb = unknown.length === 1 ? 'is not a known field' : 'are not known fields'
  fail(fields, `${verb}${where} (known: ${known.join(', ')})`)
}

export function readString(obj: Record<string, unknown>, key: string, path: string, fail: Fail): string
export function readString(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  fail: Fail,
  optional: true
): string | undefined
export function readString(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  fail: Fail,
  optional = false
): string | undefined {
  const value = obj[key]
  if (value === undefined && optional) return undefined
  if (typeof value !== 'string' || value.length === 0) fail(path, 'must be a non-empty string')
  return value
}

export function readStringRecord(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  fail: Fail
): Record<string, string> | undefined {
  const value = obj[key]
  if (value === undefined) return undefined
  if (!isPlainObject(value)) fail(path, 'must be an object mapping names to strings')
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`${path}.${k}`, 'must be a string')
    out[k] = v
  }
  return out
}

export function readTimeout(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  fail: Fail
): number | undefined {
  const value = obj[key]
  if (value === undefined) return undefined
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_TIMEOUT_MS) {
    fail(path, `must be an integer number of milliseconds between 1 and ${MAX_TIMEOUT_MS}`)
  }
  return value as number
}

export function readHttpUrl(obj: Record<string, unknown>, key: string, path: string, fail: Fail): string {
  const value = readString(obj, key, path, fail)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return fail(path, `must be an absolute http(s) URL, got ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    fail(path, `must be an http: or https: URL, got ${JSON.stringify(value)}`)
  }
  return value
}
