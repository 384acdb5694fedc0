import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { AgentConfigError, parseAgentSpecs, SchemaChecker, SchemaCompileError } from '../src/index.js'

const baseDir = '/srv/mesh'
const spec = (capabilities: unknown) =>
  parseAgentSpecs([{ name: 'typed', capabilities, handler: { kind: 'builtin', name: 'upper' } }], { baseDir })

describe('typed capabilities', () => {
  it('reads capabilities given as objects with a description and schemas', () => {
    const [typed] = spec([
      'plain',
      { name: 'text.upper', description: 'upper-cases', inputSchema: { type: 'string' } }
    ])
    assert.deepEqual(typed?.capabilities, ['plain', 'text.upper'])
    assert.deepEqual(typed?.schemas, {
      'text.upper': { description: 'upper-cases', inputSchema: { type: 'string' } }
    })
  })

  it('refuses a schema that does not compile, one too large to travel, and unknown fields', () => {
    const fails = (capabilities: unknown, field: string, message: RegExp) =>
      assert.throws(
        () => spec(capabilities),
        (err: unknown) => err instanceof AgentConfigError && err.field === field && message.test(err.message)
      )
    fails(
      [{ name: 'x', inputSchema: { type: 'nope' } }],
      'capabilities[0].inputSchema',
      /not a usable JSON Schema/
    )
    fails(
      [{ name: 'x', inputSchema: { $ref: 'https://example.com/s.json' } }],
      'capabilities[0].inputSchema',
      /not a usable/
    )
    fails(
      [{ name: 'x', outputSchema: { description: 'y'.repeat(20_000) } }],
      'capabilities[0].outputSchema',
      /at most 16384 travel/
    )
    fails([{ name: 'x', input: {} }], 'capabilities[0].input', /not a known field/)
  })

  it('names every failing field, nested and missing ones included', () => {
    const checker = new SchemaChecker()
    const schema = {
      type: 'object',
      properties: {
        items: { type: 'array', items: { type: 'object', properties: { n: { type: 'integer' } } } }
      },
      required: ['items', 'name']
    }
    assert.equal(checker.check(schema, { items: [] }, 'input'), 'input.name: is required')
    assert.equal(
      checker.check(schema, { name: 1, items: [{ n: 'x' }] }, 'input'),
      'input.items[0].n: must be integer'
    )
    assert.equal(checker.check(schema, { name: 1, items: [{ n: 2 }] }, 'input'), undefined)
  })

  it("does not evaluate a remote schema's patterns (no ReDoS from a peer), and refuses remote $refs", () => {
    const evil = { type: 'string', pattern: '^(a+)+$' }
    const attack = `${'a'.repeat(40)}!`
    const started = Date.now()
    assert.equal(new SchemaChecker({ remote: true }).check(evil, attack, 'input'), undefined)
    assert.ok(Date.now() - started < 1000)
    assert.match(
      new SchemaChecker().check({ type: 'string', pattern: '^b' }, 'a', 'input') ?? '',
      /must match pattern/
    )
    assert.throws(
      () => new SchemaChecker({ remote: true }).compile({ $ref: 'http://127.0.0.1:1/x' }),
      SchemaCompileError
    )
  })

  it('keeps a bounded cache of compiled schemas', () => {
    const checker = new SchemaChecker()
    for (let i = 0; i < 600; i++) assert.equal(checker.check({ const: i }, i, 'input'), undefined)
    assert.ok((checker as unknown as { compiled: Map<string, unknown> }).compiled.size <= 256)
  })
})
