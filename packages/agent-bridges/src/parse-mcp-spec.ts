import { isAbsolute, resolve } from 'node:path'
import type { A2aHandlerSpec, McpHandlerSpec } from '@mesh-node/handlers'
import {
  CAPABILITY,
  type Fail,
  isPlainObject,
  readHttpUrl,
  readString,
  readStringRecord,
  readTimeout
} from '@mesh-node/handlers'

export const A2A_FIELDS = ['kind', 'url', 'headers', 'skills', 'prefix', 'timeoutMs']

/** Validates an `a2a` handler: the card URL, and which skills to offer under which names. */
export function parseA2aSpec(raw: Record<string, unknown>, fail: Fail): A2aHandlerSpec {
  const spec: A2aHandlerSpec = { kind: 'a2a', url: readHttpUrl(raw, 'url', 'handler.url', fail) }
  const headers = readStringRecord(raw, 'headers', 'handler.headers', fail)
  if (headers) spec.headers = headers
  const { tools, prefix } = parseOffered(raw, 'skills', fail)
  if (tools) spec.skills = tools
  if (prefix !== undefined) spec.prefix = prefix
  const timeoutMs = readTimeout(raw, 'timeoutMs', 'handler.timeoutMs', fail)
  if (timeoutMs) spec.timeoutMs = timeoutMs
  return spec
}

export const MCP_FIELDS = ['kind', 'command', 'env', 'cwd', 'url', 'headers', 'tools', 'prefix', 'timeoutMs']

/** At most this many tools become capabilities, so one server cannot flood the node state. */
export const MAX_MCP_TOOLS = 256

/** Validates an `mcp` handler: exactly one of `command` (stdio) and `url` (streamable HTTP). */
export function parseMcpSpec(raw: Record<string, unknown>, baseDir: string, fail: Fail): McpHandlerSpec {
  const at = (key: string) => `handler.${key}`
  const spec: McpHandlerSpec = { kind: 'mcp' }
  if ((raw['command'] === undefined) === (raw['url'] === undefined)) {
    fail(
      at('command'),
      'give exactly one of handler.command (a stdio server) and handler.url (streamable HTTP)'
    )
  }
  if (raw['command'] !== undefined) {
    const command = raw['command']
    if (
      !Array.isArray(command) ||
      command.length === 0 ||
      !command.every((c) => typeof c === 'string') ||
      command[0] === ''
    ) {
      fail(at('command'), 'must be a non-empty array of strings')
    }
    spec.command = [...command]
    const env = readStringRecord(raw, 'env', at('env'), fail)
    const cwd = readString(raw, 'cwd', at('cwd'), fail, true)
    if (env) spec.env = env
    if (cwd) spec.cwd = isAbsolute(cwd) ? cwd : resolve(baseDir, cwd)
  } else {
    for (const key of ['env', 'cwd']) {
      if (raw[key] !== undefined) fail(at(key), 'only applies to a stdio server (handler.command)')
    }
    spec.url = readHttpUrl(raw, 'url', at('url'), fail)
    const headers = readStringRecord(raw, 'headers', at('headers'), fail)
    if (headers) spec.headers = headers
  }
  if (spec.command && raw['headers'] !== undefined)
    fail(at('headers'), 'only applies to an HTTP server (handler.url)')
  Object.assign(spec, parseOffered(raw, 'tools', fail))
  const timeoutMs = readTimeout(raw, 'timeoutMs', at('timeoutMs'), fail)
  if (timeoutMs) spec.timeoutMs = timeoutMs
  return spec
}

/**
 * The `tools` (mcp) or `skills` (a2a) choice and the `prefix`, shared by the
 * kinds whose capabilities a remote service offers. Always returned as `tools`.
 */
export function parseOffered(
  raw: Record<string, unknown>,
  key: 'tools' | 'skills',
  fail: Fail
): { tools?: Record<string, string>; prefix?: string } {
  const out: { tools?: Record<string, string>; prefix?: string } = {}
  const tools = parseTools(raw[key], `handler.${key}`, fail)
  if (tools) out.tools = tools
  const prefix = readString(raw, 'prefix', 'handler.prefix', fail, true)
  if (prefix !== undefined) {
    if (tools) fail('handler.prefix', `does not apply when handler.${key} names the capabilities`)
    if (!CAPABILITY.test(`${prefix}x`)) {
      fail(
        'handler.prefix',
        'must be letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit'
      )
    }
    out.prefix = prefix
  }
  return out
}

/** `["a", "b"]` offers those tools under their own names; `{ "a": "cap.a" }` renames them. */
function parseTools(raw: unknown, at: string, fail: Fail): Record<string, string> | undefined {
  if (raw === undefined) return undefined
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((name, i) => {
        if (typeof name !== 'string' || name === '') fail(`${at}[${i}]`, 'must be a name')
        return [name, name]
      })
    : isPlainObject(raw)
      ? Object.entries(raw)
      : fail(
          'handler.tools',
          'must be an array of tool names or an object mapping tool names to capabilities'
        )
  if (entries.length === 0) fail('handler.tools', 'must name at least one tool')
  if (entries.length > MAX_MCP_TOOLS) fail('handler.tools', `may name at most ${MAX_MCP_TOOLS} tools`)
  const out: Record<string, string> = {}
  const used = new Set<string>()
  for (const [tool, cap] of entries) {
    const field = `${at}.${tool}`
    if (typeof cap !== 'string' || !CAPABILITY.test(cap)) {
      fail(
        field,
        `must be a capability name: 1-128 letters, digits, ".", "_", ":", "/" or "-" (got ${JSON.stringify(cap)})`
      )
    }
    if (used.has(cap)) fail(field, `repeats capability ${JSON.stringify(cap)}; each needs its own`)
    used.add(cap)
    out[tool] = cap
  }
  return out
}
