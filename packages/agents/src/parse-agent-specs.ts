import type { AgentSpec, CapabilitySchemas } from '@mesh-node/handlers'
import {
  AgentConfigError,
  CAPABILITY,
  type Fail,
  isPlainObject,
  rejectUnknownFields
} from '@mesh-node/handlers'
import { parseCapabilitySchemas } from './parse-capability-schemas.js'
import { parseHandlerSpec } from './parse-handler-spec.js'

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i
const AGENT_FIELDS = ['name', 'capabilities', 'capacity', 'handler', 'topics']
// The user-topic name rule of @mesh-node/messaging (docs/PROTOCOL.md §13.1).
const TOPIC = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/
const MAX_TOPICS = 32

export interface ParseAgentSpecsOptions {
  /** Directory that relative `cwd` and module `path` values are resolved against (usually the config file's). */
  baseDir: string
}

/**
 * Validates the `agents` array of the daemon config and returns normalised
 * specs (defaults filled in, paths absolute). A missing section means no
 * agents. Throws {@link AgentConfigError} on the first problem found.
 */
export function parseAgentSpecs(raw: unknown, options: ParseAgentSpecsOptions): AgentSpec[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) throw new AgentConfigError('agents', 'agents', 'must be an array')
  const seen = new Set<string>()
  return raw.map((entry, i) => {
    const spec = parseAgent(entry, i, options.baseDir)
    if (seen.has(spec.name)) {
      throw new AgentConfigError(spec.name, 'name', 'is used by more than one agent; names must be unique')
    }
    seen.add(spec.name)
    return spec
  })
}

function parseAgent(raw: unknown, index: number, baseDir: string): AgentSpec {
  let label = `agents[${index}]`
  const fail: Fail = (field, problem) => {
    throw new AgentConfigError(label, field, problem)
  }
  if (!isPlainObject(raw)) fail('agent', 'must be an object')
  const name = raw['name']
  if (typeof name !== 'string' || !NAME.test(name)) {
    fail(
      'name',
      `must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (got ${JSON.stringify(name)})`
    )
  }
  label = name
  rejectUnknownFields(raw, AGENT_FIELDS, '', fail)
  const handler = parseHandlerSpec(raw['handler'], baseDir, fail)
  const { capabilities, schemas } = derivesCapabilities(handler.kind)
    ? { capabilities: noCapabilities(raw['capabilities'], handler.kind, fail), schemas: {} }
    : parseCapabilities(raw['capabilities'], fail)
  return {
    name,
    capabilities,
    ...(Object.keys(schemas).length > 0 ? { schemas } : {}),
    capacity: parseCapacity(raw['capacity'], fail),
    handler,
    ...(raw['topics'] !== undefined ? { topics: parseTopics(raw['topics'], fail) } : {})
  }
}

/** Kinds whose capabilities are what the backing service offers, learnt when it is connected. */
function derivesCapabilities(kind: string): boolean {
  return kind === 'mcp' || kind === 'a2a'
}

function noCapabilities(raw: unknown, kind: string, fail: Fail): string[] {
  if (raw !== undefined) {
    fail(
      'capabilities',
      `must be omitted for kind "${kind}": the service's tools or skills are the capabilities (choose and rename them with handler.tools or handler.skills)`
    )
  }
  return []
}

function parseTopics(raw: unknown, fail: Fail): string[] {
  if (!Array.isArray(raw) || raw.length > MAX_TOPICS)
    fail('topics', `must be an array of at most ${MAX_TOPICS} topic names, e.g. ["alerts"]`)
  raw.forEach((topic, i) => {
    if (typeof topic !== 'string' || !TOPIC.test(topic) || topic.startsWith('agent-mesh'))
      fail(
        `topics[${i}]`,
        `must be a user topic name: 1-128 letters, digits, ".", "_", "-" or ":", starting with a letter or digit, not an internal agent-mesh topic (got ${JSON.stringify(topic)})`
      )
  })
  return [...new Set(raw as string[])]
}

function parseCapabilities(
  raw: unknown,
  fail: Fail
): { capabilities: string[]; schemas: Record<string, CapabilitySchemas> } {
  if (!Array.isArray(raw) || raw.length === 0)
    fail('capabilities', 'must be a non-empty array of names or {"name", "inputSchema", ...} objects')
  const seen = new Set<string>()
  const schemas: Record<string, CapabilitySchemas> = {}
  raw.forEach((entry, i) => {
    let cap = entry
    if (isPlainObject(entry)) {
      cap = entry['name']
      const declared = parseCapabilitySchemas(entry, `capabilities[${i}]`, fail)
      if (typeof cap === 'string' && declared !== undefined) schemas[cap] = declared
    }
    if (typeof cap !== 'string' || !CAPABILITY.test(cap)) {
      fail(
        `capabilities[${i}]`,
        `must be 1-128 letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit (got ${JSON.stringify(cap)})`
      )
    }
    if (seen.has(cap))
      fail(`capabilities[${i}]`, `repeats ${JSON.stringify(cap)}; capabilities must be unique`)
    seen.add(cap)
  })
  return { capabilities: [...seen], schemas }
}

function parseCapacity(raw: unknown, fail: Fail): number {
  if (raw === undefined) return 1
  if (!Number.isInteger(raw) || (raw as number) < 1 || (raw as number) > 1024) {
    fail('capacity', `must be an integer between 1 and 1024 (got ${JSON.stringify(raw)})`)
  }
  return raw as number
}
