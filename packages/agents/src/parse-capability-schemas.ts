import type { CapabilitySchemas } from '@mesh-node/handlers'
import { type Fail, rejectUnknownFields } from '@mesh-node/handlers'
import { SchemaChecker, SchemaCompileError } from './schema-check.js'

const FIELDS = ['name', 'description', 'inputSchema', 'outputSchema']
/** As MAX_SCHEMA_CHARS in @mesh-node/protocol: a larger schema would not travel. */
const MAX_SCHEMA_CHARS = 16 * 1024
const MAX_DESCRIPTION = 1024

/**
 * Reads the optional description and schemas of a capability given as an
 * object in an agent's `capabilities`. Each schema must compile here, at
 * startup, so that a broken schema is a config error rather than a task failure.
 */
export function parseCapabilitySchemas(
  entry: Record<string, unknown>,
  path: string,
  fail: Fail
): CapabilitySchemas | undefined {
  rejectUnknownFields(entry, FIELDS, `${path}.`, fail)
  const out: CapabilitySchemas = {}
  const description = entry['description']
  if (description !== undefined) {
    if (typeof description !== 'string' || description.length > MAX_DESCRIPTION)
      fail(`${path}.description`, `must be a string of at most ${MAX_DESCRIPTION} characters`)
    out.description = description
  }
  const checker = new SchemaChecker()
  for (const key of ['inputSchema', 'outputSchema'] as const) {
    const schema = entry[key]
    if (schema === undefined) continue
    const size = JSON.stringify(schema).length
    if (size > MAX_SCHEMA_CHARS)
      fail(
        `${path}.${key}`,
        `is ${size} characters of JSON; at most ${MAX_SCHEMA_CHARS} travel with the agent`
      )
    try {
      checker.compile(schema)
    } catch (err) {
      if (!(err instanceof SchemaCompileError)) throw err
      fail(`${path}.${key}`, `is not a usable JSON Schema: ${err.message}`)
    }
    out[key] = schema
  }
  return Object.keys(out).length > 0 ? out : undefined
}
