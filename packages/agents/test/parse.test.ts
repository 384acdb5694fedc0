import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { at } from '@mesh-node/test-utils'
import { AgentConfigError, parseAgentSpecs } from '../src/index.js'

const baseDir = '/srv/mesh'

function agent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'upper',
    capabilities: ['text.upper'],
    handler: { kind: 'builtin', name: 'upper' },
    ...overrides
  }
}

function expectError(raw: unknown, agentName: string, field: string, message: RegExp): void {
  assert.throws(
    () => parseAgentSpecs(raw, { baseDir }),
    (err: unknown) => {
      assert.ok(err instanceof AgentConfigError, `expected AgentConfigError, got ${String(err)}`)
      assert.equal(err.agent, agentName)
      assert.equal(err.field, field)
      assert.match(err.message, message)
      return true
    }
  )
}

describe('parseAgentSpecs', () => {
  it('normalises a valid config of every handler kind', () => {
    const specs = parseAgentSpecs(
      [
        agent({ capacity: 3, handler: { kind: 'builtin', name: 'slow', options: { ms: 50, vote: 'last' } } }),
        {
          name: 'py.summarise',
          capabilities: ['text.summarise', 'org/x:v1'],
          handler: {
            kind: 'exec',
            command: ['python3', 'sum.py'],
            cwd: 'agents',
            env: { A: '1' },
            timeoutMs: 5000
          }
        },
        {
          name: 'remote',
          capabilities: ['x'],
          handler: { kind: 'http', url: 'http://127.0.0.1:9/h', headers: { k: 'v' } }
        },
        { name: 'mod', capabilities: ['y'], handler: { kind: 'module', path: './m.mjs', export: 'run' } },
        {
          name: 'llm',
          capabilities: ['chat'],
          handler: {
            kind: 'openai',
            baseUrl: 'http://127.0.0.1:11434/v1',
            model: 'llama3',
            apiKeyEnv: 'KEY',
            maxTokens: 50
          }
        }
      ],
      { baseDir }
    )
    assert.deepEqual(specs[0], {
      name: 'upper',
      capabilities: ['text.upper'],
      capacity: 3,
      handler: { kind: 'builtin', name: 'slow', options: { ms: 50, vote: 'last' } }
    })
    assert.equal(at(specs, 1).capacity, 1, 'capacity defaults to 1')
    assert.deepEqual(at(specs, 1).handler, {
      kind: 'exec',
      command: ['python3', 'sum.py'],
      cwd: '/srv/mesh/agents',
      env: { A: '1' },
      timeoutMs: 5000
    })
    assert.deepEqual(at(specs, 3).handler, { kind: 'module', path: '/srv/mesh/m.mjs', export: 'run' })
    assert.equal(at(specs, 4).handler.kind, 'openai')
  })

  it('treats a missing agents section as no agents, but rejects a non-array', () => {
    assert.deepEqual(parseAgentSpecs(undefined, { baseDir }), [])
    expectError({ name: 'x' }, 'agents', 'agents', /must be an array/)
  })

  it('names the agent and field for invalid agent-level fields', () => {
    expectError([agent({ name: 'bad name!' })], 'agents[0]', 'name', /agent agents\[0\]: name must be/)
    expectError([agent({ name: 'x'.repeat(65) })], 'agents[0]', 'name', /1-64/)
    expectError([agent({ capabilities: [] })], 'upper', 'capabilities', /non-empty array/)
    expectError([agent({ capabilities: ['ok', 'has space'] })], 'upper', 'capabilities[1]', /"has space"/)
    expectError([agent({ capabilities: ['a', 'a'] })], 'upper', 'capabilities[1]', /must be unique/)
    expectError([agent({ capacity: 0 })], 'upper', 'capacity', /between 1 and 1024/)
    expectError([agent({ capacity: 1.5 })], 'upper', 'capacity', /integer/)
    expectError([agent({ capacity: 1025 })], 'upper', 'capacity', /between 1 and 1024/)
    expectError([agent({ capabilites: ['x'] })], 'upper', 'capabilites', /not a known field/)
    expectError([agent({ handler: undefined })], 'upper', 'handler', /must be an object/)
  })

  it('rejects duplicate agent names', () => {
    expectError([agent(), agent({ capabilities: ['other'] })], 'upper', 'name', /more than one agent/)
  })

  it('names the field for invalid handler fields of each kind', () => {
    const h = (handler: Record<string, unknown>) => [agent({ handler })]
    expectError(h({ kind: 'shell' }), 'upper', 'handler.kind', /one of builtin, exec, http, module, openai/)
    expectError(
      h({ kind: 'builtin', name: 'nope' }),
      'upper',
      'handler.name',
      /echo, text\.stats, slow, fail, upper/
    )
    expectError(
      h({ kind: 'builtin', name: 'echo', options: { vote: 'middle' } }),
      'upper',
      'handler.options.vote',
      /first/
    )
    expectError(
      h({ kind: 'exec', command: [] }),
      'upper',
      'handler.command',
      /^agent "upper": handler\.command must be a non-empty array of strings$/
    )
    expectError(h({ kind: 'exec', command: ['ok', 3] }), 'upper', 'handler.command', /array of strings/)
    expectError(
      h({ kind: 'exec', command: ['x'], env: { A: 1 } }),
      'upper',
      'handler.env.A',
      /must be a string/
    )
    expectError(
      h({ kind: 'exec', command: ['x'], timeoutMs: -1 }),
      'upper',
      'handler.timeoutMs',
      /milliseconds/
    )
    expectError(
      h({ kind: 'exec', command: ['x'], comand: ['y'], shell: true }),
      'upper',
      'handler.comand, handler.shell',
      /are not known fields for kind "exec" \(known: kind, command, env, cwd, timeoutMs\)/
    )
    expectError(h({ kind: 'http', url: 'ftp://x' }), 'upper', 'handler.url', /http: or https:/)
    expectError(h({ kind: 'http', url: 'not a url' }), 'upper', 'handler.url', /absolute http\(s\) URL/)
    expectError(h({ kind: 'module', path: '' }), 'upper', 'handler.path', /non-empty string/)
    expectError(h({ kind: 'openai', baseUrl: 'http://x/v1' }), 'upper', 'handler.model', /non-empty string/)
    expectError(
      h({ kind: 'openai', baseUrl: 'http://x/v1', model: 'm', apiKeyEnv: 'sk-abc123' }),
      'upper',
      'handler.apiKeyEnv',
      /name of an environment variable/
    )
    expectError(
      h({ kind: 'openai', baseUrl: 'http://x/v1', model: 'm', temperature: 3 }),
      'upper',
      'handler.temperature',
      /0 and 2/
    )
  })
})
