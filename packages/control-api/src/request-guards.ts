import { isIP } from 'node:net'
import { ApiError, badRequest } from './api-error.js'

/** Deepest nesting of arrays and objects a request body may have. */
export const MAX_JSON_DEPTH = 64

/**
 * Throws a 400 when `value` nests deeper than `limit`. Iterative on purpose:
 * the body at hand may be 100,000 levels deep, and a recursive walk (or any
 * later JSON.stringify) would overflow the stack and turn bad input into a 500.
 */
export function assertJsonDepth(value: unknown, limit = MAX_JSON_DEPTH): void {
  const stack: Array<[unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number]
    if (node === null || typeof node !== 'object') continue
    if (depth > limit)
      throw badRequest(`request body nests deeper than ${limit} levels; flatten it`, 'too_deep')
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1])
  }
}

/** A path segment, URL-decoded; a malformed escape such as `%ZZ` is the client's mistake, so a 400. */
export function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw badRequest(`path segment "${raw}" is not valid URL encoding (escape "%" as "%25")`, 'bad_path')
  }
}

/**
 * The Host values the API answers to: the address it is bound to and
 * `localhost`, with the bound port or none. A browser tricked by DNS
 * rebinding sends the attacker's host name, which this refuses before the
 * token is even looked at. On a wildcard address any IP literal is accepted,
 * since rebinding needs a name.
 */
export function hostChecker(boundHost: string, port: number): (header: string | undefined) => void {
  const wildcard = boundHost === '0.0.0.0' || boundHost === '::'
  const names = new Set(['localhost', strip(boundHost).toLowerCase()])
  return (header) => {
    const parsed = parseHost(header ?? '')
    const ok =
      parsed !== undefined &&
      (parsed.port === undefined || parsed.port === port) &&
      (names.has(parsed.name) || (wildcard && isIP(parsed.name) !== 0))
    if (!ok) {
      throw new ApiError(
        403,
        'forbidden_host',
        `Host header ${JSON.stringify(header ?? '')} is not this API's address; use ${strip(boundHost)}:${port} or localhost:${port}`
      )
    }
  }
}

function parseHost(value: string): { name: string; port?: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value.trim())
  if (match?.[1] == null) return undefined
  const name = strip(match[1]).toLowerCase()
  return match[2] === undefined ? { name } : { name, port: Number(match[2]) }
}

function strip(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}
