import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { at } from '@mesh-node/test-utils'
import { execAgent } from '../helpers/agents.js'
import { startTestDaemon, stopAll, type TestDaemon, tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

describe('tasks across three daemons', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  let execNode: TestDaemon
  let builtinNode: TestDaemon
  let client: TestDaemon
  let llm: Server
  let llmRequests: Array<Record<string, unknown>> = []

  before(async () => {
    // A small server speaking the OpenAI chat-completions API.
    llm = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => {
        body += c
      })
      req.on('end', () => {
        const parsed = JSON.parse(body) as {
          model: string
          messages: Array<{ role: string; content: string }>
        }
        llmRequests.push({ url: req.url, auth: req.headers.authorization, ...parsed })
        const last = parsed.messages.at(-1)?.content ?? ''
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({
            model: parsed.model,
            choices: [{ message: { role: 'assistant', content: `echo: ${last}` } }],
            usage: { total_tokens: 3 }
          })
        )
      })
    })
    await new Promise<void>((resolve) => llm.listen(0, '127.0.0.1', resolve))
    const llmUrl = `http://127.0.0.1:${(llm.address() as AddressInfo).port}/v1`

    const dir = tmpDataDir()
    const tag = uniqueTag()
    const upper = execAgent(
      dir,
      'upper',
      `  if (req.input === 'crash') { process.stderr.write('boom: cannot upper-case a crash'); process.exit(3) }\n  process.stdout.write(JSON.stringify({ upper: String(req.input).toUpperCase(), type: req.type, capability: req.capability }))`
    )
    ;[execNode, builtinNode, client] = await Promise.all([
      startTestDaemon({
        tag,
        config: {
          agents: [
            {
              name: 'upper',
              capabilities: ['text.upper'],
              capacity: 8,
              handler: { kind: 'exec', command: upper, timeoutMs: 5000 }
            }
          ]
        }
      }),
      startTestDaemon({
        tag,
        env: { TEST_LLM_KEY: 'sk-test' },
        config: {
          agents: [
            { name: 'echo', capabilities: ['echo'], capacity: 4, handler: { kind: 'builtin', name: 'echo' } },
            {
              name: 'stats',
              capabilities: ['text.stats'],
              capacity: 2,
              handler: { kind: 'builtin', name: 'text.stats' }
            },
            {
              name: 'broken',
              capabilities: ['always.fails'],
              capacity: 2,
              handler: { kind: 'builtin', name: 'fail', options: { message: 'the broken agent refuses' } }
            },
            {
              name: 'llm',
              capabilities: ['chat'],
              capacity: 2,
              handler: {
                kind: 'openai',
                baseUrl: llmUrl,
                model: 'tiny-model',
                system: 'be brief',
                apiKeyEnv: 'TEST_LLM_KEY'
              }
            }
          ]
        }
      }),
      startTestDaemon({ tag })
    ])
    daemons.push(execNode, builtinNode, client)
  })

  after(async () => {
    await stopAll(daemons)
    llm.closeAllConnections()
    await new Promise((resolve) => llm.close(resolve))
  })

  it('finds the exec and builtin agents by capability from the third node', async () => {
    await waitFor(
      async () => {
        const res = await client.cli(['agents', '--json'])
        const agents = JSON.parse(res.stdout) as Array<{ peerId: string; agent: string }>
        return (
          agents.some((a) => a.agent === 'upper' && a.peerId === execNode.peerId) &&
          agents.some((a) => a.agent === 'echo' && a.peerId === builtinNode.peerId)
        )
      },
      { message: 'the client to learn both agents' }
    )
    const filtered = await client.cli(['agents', '--capability', 'text.upper', '--json'])
    const agents = JSON.parse(filtered.stdout) as Array<{
      peerId: string
      agent: string
      capabilities: string[]
      load: number
      capacity: number
    }>
    assert.deepEqual(
      agents.map((a) => [a.peerId, a.agent, a.capabilities, a.load, a.capacity]),
      [[execNode.peerId, 'upper', ['text.upper'], 0, 8]]
    )
    const table = await client.cli(['agents'])
    assert.match(table.stdout, /^NODE\s+PEER ID\s+AGENT\s+CAPABILITIES\s+LOAD\s+CAPACITY/)
  })

  it('runs an exec agent on another node and returns its result and path', async () => {
    const res = await client.cli([
      'submit',
      '--capability',
      'text.upper',
      '--input',
      '"hello mesh"',
      '--json'
    ])
    assert.equal(res.code, 0, res.stderr)
    const out = JSON.parse(res.stdout)
    assert.equal(out.status, 'completed')
    assert.deepEqual(out.result, { upper: 'HELLO MESH', type: 'task_request', capability: 'text.upper' })
    assert.equal(out.executor, execNode.peerId)
    assert.deepEqual(out.path, [client.peerId, execNode.peerId])
    assert.equal(out.error, null)
  })

  it('runs builtin agents on another node', async () => {
    const res = await client.cli(['submit', '--capability', 'echo', '--input', '{"n": [1, 2, 3]}', '--json'])
    assert.equal(res.code, 0, res.stderr)
    assert.deepEqual(JSON.parse(res.stdout).result, { n: [1, 2, 3] })
    const stats = await client.client.submit({ capability: 'text.stats', input: 'one two two' })
    assert.equal(stats.status, 'completed')
    assert.equal((stats.result as { words: number }).words, 3)
    // Without --json, the result is printed plainly.
    const plain = await client.cli(['submit', '--capability', 'echo', '--input', '"plain"'])
    assert.equal(plain.stdout, 'plain\n')
  })

  it('reports a failing handler to the submitter, exits non-zero, and the daemons live on', async () => {
    const res = await client.cli(['submit', '--capability', 'always.fails', '--input', '1', '--json'])
    assert.equal(res.code, 1)
    const out = JSON.parse(res.stdout)
    assert.equal(out.status, 'failed')
    assert.equal(out.executor, builtinNode.peerId)
    assert.match(out.error.message, /the broken agent refuses/)
    const crash = await client.cli(['submit', '--capability', 'text.upper', '--input', '"crash"'])
    assert.equal(crash.code, 1)
    assert.match(crash.stderr, /handler_failed: .*exited with code 3: boom: cannot upper-case a crash/)
    for (const d of daemons) assert.equal((await d.client.id()).peerId, d.peerId)
  })

  it('answers an unknown capability with the "no agent" error, quickly', async () => {
    const started = Date.now()
    const res = await client.cli([
      'submit',
      '--capability',
      'does.not.exist',
      '--input',
      '1',
      '--timeout',
      '20000'
    ])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /no agent can handle: does\.not\.exist/)
    assert.ok(Date.now() - started < 10_000, 'well within the timeout')
  })

  it('rejects invalid --input with a clear message', async () => {
    const res = await client.cli(['submit', '--capability', 'echo', '--input', '{oops'])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /--input is not valid JSON/)
    const api = await fetch(`${client.url}/v1/tasks`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${(await import('node:fs')).readFileSync(`${client.dataDir}/api.token`, 'utf8').trim()}`
      },
      body: JSON.stringify({ capability: 'bad name!' })
    })
    assert.equal(api.status, 400)
    assert.equal(((await api.json()) as { code: string }).code, 'bad_request')
  })

  it('answers 200 concurrent API tasks, all correctly', async () => {
    const results = await Promise.all(
      Array.from(
        { length: 200 },
        async (_, i) => await client.client.submit({ capability: 'echo', input: { i }, timeoutMs: 60_000 })
      )
    )
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, 'completed', JSON.stringify(r.error))
      assert.deepEqual(r.result, { i })
    }
    assert.equal(new Set(results.map((r) => r.taskId)).size, 200)
  })

  it('drives an OpenAI-compatible endpoint through the openai handler', async () => {
    llmRequests = []
    const res = await client.client.submit({ capability: 'chat', input: 'hi there' })
    assert.equal(res.status, 'completed', JSON.stringify(res.error))
    assert.equal((res.result as { content: string }).content, 'echo: hi there')
    assert.equal(llmRequests.length, 1)
    assert.equal(at(llmRequests, 0).url, '/v1/chat/completions')
    assert.equal(at(llmRequests, 0).auth, 'Bearer sk-test')
    assert.equal(at(llmRequests, 0).model, 'tiny-model')
  })

  it('lists submitted tasks and shows one', async () => {
    const list = await client.cli(['tasks', '--json'])
    const tasks = JSON.parse(list.stdout) as Array<{ taskId: string; status: string; role: string }>
    assert.ok(tasks.length >= 5)
    const one = await client.cli(['task', at(tasks, 0).taskId, '--json'])
    assert.equal(JSON.parse(one.stdout).taskId, at(tasks, 0).taskId)
    const missing = await client.cli(['task', 'no-such-task'])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /no task no-such-task/)
    // The executor lists what it ran.
    const ran = (await execNode.client.tasks()).filter((t) => t.role === 'executor')
    assert.ok(ran.some((t) => t.capability === 'text.upper' && t.status === 'completed'))
  })
})
