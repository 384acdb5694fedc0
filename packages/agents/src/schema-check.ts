import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'

/** Compiled validators kept per checker; the oldest is dropped (and freed in ajv) past this. */
const MAX_COMPILED = 256
/** Errors named in one message. */
const MAX_ERRORS = 3

export interface SchemaCheckerInit {
  /**
   * For schemas from other peers: `pattern` and `patternProperties` are not
   * evaluated (a peer's regular expression could take exponential time on
   * this node), so only the executor, which owns the schema, checks them.
   */
  remote?: boolean
}

/**
 * Checks values against JSON Schemas (draft-07 and the common subset of
 * 2020-12) with ajv. Compiling is defensive: no `$ref` is ever fetched (ajv
 * is given no loader), `$schema` and `$id` are ignored so a schema cannot
 * register itself or name an unknown meta-schema, formats are not checked,
 * and the compiled validators are a bounded cache keyed by the schema's JSON.
 */
export class SchemaChecker {
  private readonly ajv: Ajv
  private readonly compiled = new Map<string, { schema: object; validate: ValidateFunction }>()

  constructor(init: SchemaCheckerInit = {}) {
    this.ajv = new Ajv({
      strict: false,
      allErrors: false,
      validateFormats: false,
      addUsedSchema: false,
      validateSchema: false,
      ...(init.remote === true ? { code: { regExp: anyString } } : {})
    })
  }

  /**
   * Compiles `schema` (or returns the cached validator). Throws a
   * SchemaCompileError saying why a schema is unusable.
   */
  compile(schema: unknown): ValidateFunction {
    if (typeof schema === 'boolean')
      return this.compileObject(JSON.stringify(schema), schema ? {} : { not: {} })
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
      throw new SchemaCompileError('a schema must be a JSON object (or true/false)')
    return this.compileObject(JSON.stringify(schema), schema)
  }

  /**
   * Undefined when `value` satisfies `schema`, else a message naming the
   * failing fields under `label`, e.g. `input.text: must be string`.
   */
  check(schema: unknown, value: unknown, label: string): string | undefined {
    const validate = this.compile(schema)
    if (validate(value)) return undefined
    return describeErrors(validate.errors ?? [], label)
  }

  private compileObject(key: string, schema: object): ValidateFunction {
    const hit = this.compiled.get(key)
    if (hit !== undefined) {
      this.compiled.delete(key)
      this.compiled.set(key, hit)
      return hit.validate
    }
    const { $schema: _meta, $id: _id, ...body } = schema as Record<string, unknown>
    let validate: ValidateFunction
    try {
      validate = this.ajv.compile(body)
    } catch (err) {
      throw new SchemaCompileError(err instanceof Error ? err.message : String(err))
    }
    this.compiled.set(key, { schema: body, validate })
    if (this.compiled.size > MAX_COMPILED) {
      const [oldest, entry] = this.compiled.entries().next().value as [string, { schema: object }]
      this.compiled.delete(oldest)
      this.ajv.removeSchema(entry.schema)
    }
    return validate
  }
}

/** A schema that cannot be compiled (bad keyword values, an unresolvable `$ref`). */
export class SchemaCompileError extends Error {
  override name = 'SchemaCompileError'
  readonly code = 'invalid_schema'
}

/** Dotted field path of an ajv error, e.g. `/items/0/name` -> `input.items[0].name`. */
function fieldOf(error: ErrorObject, label: string): string {
  let path = label
  for (const part of error.instancePath.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~')
    path += /^\d+$/.test(key) ? `[${key}]` : `.${key}`
  }
  const missing = (error.params as { missingProperty?: string }).missingProperty
  if (error.keyword === 'required' && missing !== undefined) return `${path}.${missing}`
  const extra = (error.params as { additionalProperty?: string }).additionalProperty
  if (error.keyword === 'additionalProperties' && extra !== undefined) return `${path}.${extra}`
  return path
}

function describeErrors(errors: ErrorObject[], label: string): string {
  const parts = errors.slice(0, MAX_ERRORS).map((e) => {
    if (e.keyword === 'required') return `${fieldOf(e, label)}: is required`
    if (e.keyword === 'additionalProperties') return `${fieldOf(e, label)}: is not allowed`
    return `${fieldOf(e, label)}: ${e.message ?? 'is invalid'}`
  })
  return parts.length > 0 ? parts.join('; ') : `${label}: does not match its schema`
}

/** The stand-in regular expression for remote schemas: every string matches. */
const anyString = Object.assign(() => ({ test: (_s: string) => true }), { code: 'anyString' })
