import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { until } from '@mesh-node/test-utils'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { type AgentRuntime, createAgentRuntime, parseAgentSpecs } from '../src/index.js'
import { fixtureServer } from './fixtures/mcp-fixture.js'
import { isGone, task } from './helpers.js'

const FIXTURE = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'mcp-stdio.js')
const EVERYTHING = join(
  dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist',
  'index.js'
)
const baseDir = process.cwd()

function runtimeFor(handler: Record<string, unknown>, capacity = 4): Promise<AgentRuntime> {
  const agents = parseAgentSpecs([{ name: 'tools', capacity, handler: { kind: 'mcp', ...handler } }], {
    baseDir
  })
  return createAgentRuntime({ agents, baseDir })
}

describe('mcp handler over stdio (fixture server)', () => {
  let dir: string
  let runtime: AgentRuntime
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-mcp-'))
    runtime = await runtimeFor({
      command: [process.execPath, FIXTURE],
      env: { MCP_MARK: join(dir, 'mark') },
      prefix: 'fx.'
    })
  })
  after(async () => {
    await runtime.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('offers every usable tool as a capability and skips names that cannot be one', () => {
    assert.deepEqual(runtime.capabilities(), ['fx.crash', 'fx.echo', 'fx.fail', 'fx.pid', 'fx.wait'])
    assert.equal(runtime.list()[0]?.handlerKind, 'mcp')
  })

  it('calls the tool behind a capability with the task input as its arguments', async () => {
    const outcome = await runtime.runTask(task({ text: 'hi' }, { capability: 'fx.echo' }))
    assert.deepEqual(outcome, {
      status: 'completed',
      agent: 'tools',
      result: { content: [{ type: 'text', text: 'echo: hi' }], structuredContent: { text: 'hi' } }
    })
  })

  it('reports a tool error and a non-object input as failures', async () => {
    const failed = await runtime.runTask(task({}, { capability: 'fx.fail' }))
    assert.equal(failed.status, 'failed')
    assert.match(
      (failed as { error: { message: string } }).error.message,
      /tool "fail" failed: this tool always fails/
    )
    // The tool's own inputSchema is the capability's: the runtime refuses the input before calling it.
    const bad = await runtime.runTask(task('text', { capability: 'fx.echo' }))
    assert.deepEqual((bad as { error: unknown }).error, {
      code: 'invalid_input',
      message: 'input: must be object'
    })
    const wrong = await runtime.runTask(task({ text: 5 }, { capability: 'fx.echo' }))
    assert.deepEqual((wrong as { error: unknown }).error, {
      code: 'invalid_input',
      message: 'input.text: must be string'
    })
  })

  it('cancelling a task sends MCP cancellation to the server', async () => {
    const controller = new AbortController()
    const running = runtime.runTask(task({ ms: 60_000 }, { capability: 'fx.wait' }), {
      signal: controller.signal
    })
    await until(() => runtime.list()[0]?.running === 1, 'the call to start')
    setTimeout(() => controller.abort(new Error('user cancelled')), 200)
    const outcome = await running
    assert.equal(outcome.status, 'failed')
    assert.match((outcome as { error: { message: string } }).error.message, /user cancelled/)
    const marks = () => (existsSync(join(dir, 'mark')) ? readFileSync(join(dir, 'mark'), 'utf8') : '')
    await until(() => marks().includes('cancelled'), 'the server to see the cancellation')
    assert.equal(marks(), 'started 60000\ncancelled 60000\n')
  })

  it('restarts a server that dies: its agent leaves the list and rejoins', async () => {
    const pidOf = async () => {
      const out = await runtime.runTask(task({}, { capability: 'fx.pid' }))
      return Number((out as { result: { content: { text: string }[] } }).result.content[0]?.text)
    }
    const first = await pidOf()
    const seen: number[] = []
    const off = runtime.onChange((states) => seen.push(states.length))
    const crash = await runtime.runTask(task({}, { capability: 'fx.crash' }))
    assert.equal(crash.status, 'failed')
    await until(() => seen.includes(0), 'the agent to leave')
    await until(
      () => runtime.list().length === 1 && runtime.capabilities().length === 5,
      'the agent to rejoin'
    )
    off()
    const second = await pidOf()
    assert.notEqual(second, first)
    await until(() => isGone(first), 'the old server to be gone')
  })
})

describe('mcp handler with a real npm server (server-everything) and a renamed subset', () => {
  let runtime: AgentRuntime
  before(async () => {
    runtime = await runtimeFor({
      command: [process.execPath, EVERYTHING, 'stdio'],
      tools: { echo: 'everything.echo', 'get-sum': 'math.sum' }
    })
  })
  after(async () => await runtime.close())

  it('offers only the configured tools under their configured names', async () => {
    assert.deepEqual(runtime.capabilities(), ['everything.echo', 'math.sum'])
    const sum = await runtime.runTask(task({ a: 2, b: 40 }, { capability: 'math.sum' }))
    assert.equal(sum.status, 'completed')
    assert.match(JSON.stringify((sum as { result: unknown }).result), /42/)
    const echo = await runtime.runTask(task({ message: 'hello' }, { capability: 'everything.echo' }))
    assert.match(JSON.stringify((echo as { result: unknown }).result), /Echo: hello/)
  })
})

describe('mcp handler over streamable HTTP', () => {
  it('connects to a URL and calls its tools', async () => {
    const http = createServer(async (req, res) => {
      const server = fixtureServer()
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined })
      res.on('close', () => {
        void transport.close()
        void server.close()
      })
      await server.connect(transport)
      await transport.handleRequest(req, res)
    })
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`
    const runtime = await runtimeFor({ url, tools: ['echo'] })
    try {
      assert.deepEqual(runtime.capabilities(), ['echo'])
      const out = await runtime.runTask(task({ text: 'over http' }, { capability: 'echo' }))
      assert.deepEqual((out as { result: { structuredContent: unknown } }).result.structuredContent, {
        text: 'over http'
      })
    } finally {
      await runtime.close()
      http.closeAllConnections()
      await new Promise((r) => http.close(r))
    }
  })
})

describe('mcp handler config and startup errors', () => {
  const parse =
    (handler: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    () =>
      parseAgentSpecs([{ name: 'm', ...extra, handler: { kind: 'mcp', ...handler } }], { baseDir })

  it('names the field to fix', () => {
    assert.throws(parse({}), /handler.command give exactly one of handler.command .* and handler.url/)
    assert.throws(parse({ command: ['x'], url: 'http://127.0.0.1:1/' }), /exactly one/)
    assert.throws(
      parse({ command: ['x'] }, { capabilities: ['a'] }),
      /capabilities must be omitted for kind "mcp"/
    )
    assert.throws(
      parse({ command: ['x'], tools: { a: 'bad name' } }),
      /handler.tools.a must be a capability name/
    )
    assert.throws(parse({ command: ['x'], tools: ['a'], prefix: 'p.' }), /handler.prefix does not apply/)
    assert.throws(
      parse({ url: 'http://127.0.0.1:1/', cwd: '.' }),
      /handler.cwd only applies to a stdio server/
    )
  })

  it('a server that cannot start is a startup error naming the command', async () => {
    await assert.rejects(
      runtimeFor({ command: [process.execPath, '-e', 'console.error("no such server"); process.exit(2)'] }),
      /agent "tools": cannot start MCP server .*no such server/
    )
  })
})
