import { isAbsolute, resolve } from 'node:path'
import { A2A_FIELDS, MCP_FIELDS, parseA2aSpec, parseMcpSpec } from '@mesh-node/agent-bridges'
import type { HandlerKind, HandlerSpec } from '@mesh-node/handlers'
import {
  BUILTIN_NAMES,
  type Fail,
  isBuiltinName,
  isOptionProblem,
  isPlainObject,
  parseBuiltinOptions,
  readHttpUrl,
  readString,
  readStringRecord,
  readTimeout,
  rejectUnknownFields
} from '@mesh-node/handlers'

const FIELDS: Record<HandlerKind, readonly string[]> = {
  builtin: ['kind', 'name', 'options'],
  exec: ['kind', 'command', 'env', 'cwd', 'timeoutMs'],
  http: ['kind', 'url', 'headers', 'timeoutMs'],
  module: ['kind', 'path', 'export'],
  openai: ['kind', 'baseUrl', 'model', 'system', 'apiKeyEnv', 'timeoutMs', 'temperature', 'maxTokens'],
  mcp: MCP_FIELDS,
  a2a: A2A_FIELDS
}

const KINDS = Object.keys(FIELDS) as HandlerKind[]

function isKind(value: unknown): value is HandlerKind {
  return typeof value === 'string' && (KINDS as string[]).includes(value)
}

/** Validates one agent's `handler` object; `fail` reports against that agent. */
export function parseHandlerSpec(raw: unknown, baseDir: string, fail: Fail): HandlerSpec {
  if (!isPlainObject(raw)) return fail('handler', 'must be an object with a "kind" field')
  const kind = raw['kind']
  if (!isKind(kind)) {
    return fail('handler.kind', `must be one of ${KINDS.join(', ')} (got ${JSON.stringify(kind)})`)
  }
  rejectUnknownFields(raw, FIELDS[kind], 'handler.', fail, ` for kind "${kind}"`)
  const at = (key: string) => `handler.${key}`
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p))

  switch (kind) {
    case 'builtin': {
      const name = readString(raw, 'name', at('name'), fail)
      if (!isBuiltinName(name)) {
        fail(at('name'), `must be one of ${BUILTIN_NAMES.join(', ')} (got ${JSON.stringify(name)})`)
      }
      const options = parseBuiltinOptions(raw['options'])
      if (isOptionProblem(options)) {
        fail(options.field === '' ? at('options') : at(`options.${options.field}`), options.problem)
      }
      const spec: HandlerSpec = { kind, name }
      if (raw['options'] !== undefined) spec.options = { ...(raw['options'] as Record<string, unknown>) }
      return spec
    }
    case 'exec': {
      const command = raw['command']
      if (
        !Array.isArray(command) ||
        command.length === 0 ||
        !command.every((c) => typeof c === 'string') ||
        command[0] === ''
      ) {
        fail(at('command'), 'must be a non-empty array of strings')
      }
      const spec: HandlerSpec = { kind, command: [...command] }
      const env = readStringRecord(raw, 'env', at('env'), fail)
      const cwd = readString(raw, 'cwd', at('cwd'), fail, true)
      const timeoutMs = readTimeout(raw, 'timeoutMs', at('timeoutMs'), fail)
      if (env) spec.env = env
      if (cwd) spec.cwd = abs(cwd)
      if (timeoutMs) spec.timeoutMs = timeoutMs
      return spec
    }
    case 'http': {
      const spec: HandlerSpec = { kind, url: readHttpUrl(raw, 'url', at('url'), fail) }
      const headers = readStringRecord(raw, 'headers', at('headers'), fail)
      const timeoutMs = readTimeout(raw, 'timeoutMs', at('timeoutMs'), fail)
      if (headers) spec.headers = headers
      if (timeoutMs) spec.timeoutMs = timeoutMs
      return spec
    }
    case 'module': {
      const spec: HandlerSpec = { kind, path: abs(readString(raw, 'path', at('path'), fail)) }
      const name = readString(raw, 'export', at('export'), fail, true)
      if (name) spec.export = name
      return spec
    }
    case 'openai':
      return parseOpenAi(raw, fail)
    case 'mcp':
      return parseMcpSpec(raw, baseDir, fail)
    case 'a2a':
      return parseA2aSpec(raw, fail)
  }
}

function parseOpenAi(raw: Record<string, unknown>, fail: Fail): HandlerSpec {
  const at = (key: string) => `handler.${key}`
  const spec: HandlerSpec = {
    kind: 'openai',
    baseUrl: readHttpUrl(raw, 'baseUrl', at('baseUrl'), fail),
    model: readString(raw, 'model', at('model'), fail)
  }
  const system = raw['system']
  if (system !== undefined) {
    if (typeof system !== 'string') fail(at('system'), 'must be a string')
    spec.system = system
  }
  const apiKeyEnv = readString(raw, 'apiKeyEnv', at('apiKeyEnv'), fail, true)
  if (apiKeyEnv !== undefined) {
    // A pasted key here would end up in logs and `ps`; insist on a variable name.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(apiKeyEnv)) {
      fail(
        at('apiKeyEnv'),
        'must be the name of an environment variable (e.g. OPENAI_API_KEY), not the key itself'
      )
    }
    spec.apiKeyEnv = apiKeyEnv
  }
  const timeoutMs = readTimeout(raw, 'timeoutMs', at('timeoutMs'), fail)
  if (timeoutMs) spec.timeoutMs = timeoutMs
  const temperature = raw['temperature']
  if (temperature !== undefined) {
    if (typeof temperature !== 'number' || !(temperature >= 0 && temperature <= 2)) {
      fail(at('temperature'), 'must be a number between 0 and 2')
    }
    spec.temperature = temperature
  }
  const maxTokens = raw['maxTokens']
  if (maxTokens !== undefined) {
    if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1)
      fail(at('maxTokens'), 'must be a positive integer')
    spec.maxTokens = maxTokens as number
  }
  return spec
}
