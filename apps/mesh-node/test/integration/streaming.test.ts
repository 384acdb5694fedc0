import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { TaskStreamEvent } from '@mesh-node/client'
import { execAgent } from '../helpers/agents.js'
import { BIN, startTestDaemon, stopAll, type TestDaemon, tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { createHostilePeer, type HostilePeer } from '../helpers/hostile-peer.js'
import { waitFor } from '../helpers/wait.js'

// Three partial lines, then the final value. 'text.gated' waits before each
// next line until the test creates GATE/<gate>-<i>, so the test can prove it
// saw a piece while the agent was still running.
const STREAMER = `  const fs = await import('node:fs')
  const gated = req.capability === 'text.gated'
  const gate = (i) => process.env.GATE_DIR + '/' + req.input.gate + '-' + i
  const pause = async (i) => {
    const end = Date.now() + 60000
    while (gated && !fs.existsSync(gate(i)) && Date.now() < end) await new Promise((r) => setTimeout(r, 25))
    if (!gated) await new Promise((r) => setTimeout(r, 150))
  }
  process.stdout.write(JSON.stringify({ type: 'progress', progress: 0.1, message: 'starting' }) + '\\n')
  const words = ['one ', 'two ', 'three']
  for (let i = 0; i < words.length; i++) {
    process.stdout.write(JSON.stringify({ type: 'partial', text: words[i] }) + '\\n')
    if (i < words.length - 1) await pause(i)
  }
  process.stdout.write(JSON.stringify({ words: words.length }))`

// A module agent written as an async generator: 'gen' yields two pieces and
// returns its result; 'flood' yields 300 pieces at once (over the rate of
// 50/s, bursts of 100) and one over the 16 KiB size bound.
const GENERATOR = `export default async function* (req) {
  if (req.capability === 'gen.count') {
    yield { type: 'progress', progress: 0.5 }
    yield 'a '
    await new Promise((r) => setTimeout(r, 50))
    yield { type: 'partial', text: 'b ' }
    return { counted: 2 }
  }
  for (let i = 0; i < 300; i++) yield { type: 'partial', text: i + ' ' }
  yield { type: 'partial', text: 'x'.repeat(20000) }
  return { flooded: true }
}
`

/** `mesh_pieces_dropped_total` by reason, scraped from a daemon's API. */
const DROP_REASONS = [
  'too_large',
  'task_rate',
  'peer_rate',
  'backpressure',
  'not_executor',
  'refused'
] as const

async function piecesDropped(d: TestDaemon): Promise<Record<(typeof DROP_REASONS)[number], number>> {
  const res = await fetch(`${d.url}/metrics`, { headers: { authorization: `Bearer ${tokenOf(d)}` } })
  assert.equal(res.status, 200)
  const counts = new Map<string, number>()
  for (const m of (await res.text()).matchAll(/^mesh_pieces_dropped_total\{reason="(\w+)"\} (\d+)$/gm))
    counts.set(m[1] as string, Number(m[2]))
  const missing = DROP_REASONS.filter((r) => !counts.has(r))
  assert.deepEqual(
    missing,
    [],
    `every reason is listed in /metrics from the start: ${JSON.stringify([...counts])}`
  )
  return Object.fromEntries(DROP_REASONS.map((r) => [r, counts.get(r) ?? 0])) as Record<
    (typeof DROP_REASONS)[number],
    number
  >
}

/** A local OpenAI-compatible server whose chat completions stream as SSE when asked to. */
function fakeModel(): Promise<{ server: Server; url: string; streamed: boolean[] }> {
  const streamed: boolean[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', async () => {
      const request = JSON.parse(body) as { stream?: boolean }
      streamed.push(request.stream === true)
      if (request.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ model: 'fake', choices: [{ message: { content: 'Hello mesh' } }] }))
        return
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      for (const text of ['Hel', 'lo', ' mesh']) {
        res.write(`data: ${JSON.stringify({ model: 'fake', choices: [{ delta: { content: text } }] })}\n\n`)
        await new Promise((r) => setTimeout(r, 50))
      }
      res.write(`data: ${JSON.stringify({ model: 'fake', choices: [], usage: { total_tokens: 3 } })}\n\n`)
      res.end('data: [DONE]\n\n')
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, streamed })
    )
  )
}

async function collect(stream: AsyncGenerator<TaskStreamEvent>): Promise<TaskStreamEvent[]> {
  const events: TaskStreamEvent[] = []
  for await (const e of stream) events.push(e)
  return events
}

const texts = (events: TaskStreamEvent[]) =>
  events.flatMap((e) => (e.type === 'partial' ? [(e.piece.data as { text: string }).text] : []))

describe('streamed progress and partial results across two daemons', { timeout: 300_000 }, () => {
  let a: TestDaemon
  let b: TestDaemon
  let gates: string
  let model: Awaited<ReturnType<typeof fakeModel>>

  before(async () => {
    gates = tmpDataDir('gates-')
    model = await fakeModel()
    const command = execAgent(tmpDataDir('streamer-'), 'streamer', STREAMER)
    const generator = join(tmpDataDir('generator-'), 'generator.mjs')
    writeFileSync(generator, GENERATOR)
    const tag = uniqueTag()
    ;[a, b] = await Promise.all([
      startTestDaemon({ tag }),
      startTestDaemon({
        tag,
        config: {
          agents: [
            {
              name: 'streamer',
              capacity: 4,
              capabilities: ['text.stream', 'text.gated'],
              handler: { kind: 'exec', command, env: { GATE_DIR: gates } }
            },
            {
              name: 'generator',
              capacity: 4,
              capabilities: ['gen.count', 'gen.flood'],
              handler: { kind: 'module', path: generator }
            },
            {
              name: 'model',
              capabilities: ['llm.chat'],
              handler: { kind: 'openai', baseUrl: model.url, model: 'fake' }
            }
          ]
        }
      })
    ])
    await waitFor(async () => (await a.client.agents({ capability: 'gen.flood' })).length > 0, {
      timeoutMs: 30_000,
      message: "node A to learn B's module agent"
    })
    await waitFor(async () => (await a.client.agents({ capability: 'llm.chat' })).length > 0, {
      timeoutMs: 30_000,
      message: "node A to learn B's agents"
    })
  })
  after(async () => {
    await stopAll([a, b])
    model?.server.close()
  })

  it('submit --stream prints each partial live, in order, before the result', async () => {
    const proc = spawn(
      process.execPath,
      [
        BIN,
        'submit',
        '--data-dir',
        a.dataDir,
        '--capability',
        'text.gated',
        '--input',
        '{"gate":"cli"}',
        '--stream'
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    )
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const exited = new Promise<number | null>((resolve) => proc.on('close', resolve))
    try {
      // The agent goes on only once the CLI has printed the piece before.
      await waitFor(() => stdout === 'one ', {
        timeoutMs: 30_000,
        message: () => `"one " (stdout ${JSON.stringify(stdout)})`
      })
      writeFileSync(join(gates, 'cli-0'), '')
      await waitFor(() => stdout === 'one two ', {
        timeoutMs: 30_000,
        message: () => `"two " (stdout ${JSON.stringify(stdout)})`
      })
      writeFileSync(join(gates, 'cli-1'), '')
      assert.equal(await exited, 0, stderr)
    } finally {
      proc.kill('SIGKILL')
    }
    assert.ok(stdout.startsWith('one two three\n'), stdout)
    assert.deepEqual(JSON.parse(stdout.slice('one two three\n'.length)), { words: 3 })
    assert.match(stderr, /progress 0\.1 starting/)
  })

  it('resumes the SSE stream after Last-Event-ID, skipping events already seen', async () => {
    const { taskId } = await a.client.submitNoWait({ capability: 'text.stream', input: { gate: 'none' } })
    const all = await collect(a.client.stream(taskId))
    assert.deepEqual(
      all.map((e) => e.type),
      ['progress', 'partial', 'partial', 'partial', 'result']
    )
    assert.deepEqual(texts(all), ['one ', 'two ', 'three'])
    const ids = all.flatMap((e) => (e.type === 'result' ? [] : [e.id]))
    assert.deepEqual(ids, [1, 2, 3, 4])
    for (const e of all) if (e.type !== 'result') assert.equal(e.piece.executor, b.peerId)
    // A reader that saw up to id 2 gets only ids 3 and 4, then the result.
    const rest = await collect(a.client.stream(taskId, { after: 2 }))
    assert.deepEqual(
      rest.map((e) => (e.type === 'result' ? 'result' : e.id)),
      [3, 4, 'result']
    )
    assert.deepEqual(texts(rest), ['two ', 'three'])
    const last = rest.at(-1)
    assert.equal(last?.type === 'result' && last.result.status, 'completed')
    assert.deepEqual(last?.type === 'result' && last.result.result, { words: 3 })
    // The raw API, with the header: the same.
    const res = await fetch(`${a.url}/v1/tasks/${taskId}/stream`, {
      headers: { authorization: `Bearer ${tokenOf(a)}`, 'last-event-id': '3' }
    })
    const text = await res.text()
    assert.equal(res.headers.get('content-type'), 'text/event-stream')
    assert.match(text, /^id: 4\nevent: partial\ndata: \{[^\n]*"three"[^\n]*\}\n\nevent: result\ndata: /)
  })

  it("streams an openai agent's tokens as partial output", async () => {
    const { taskId } = await a.client.submitNoWait({ capability: 'llm.chat', input: 'say hello' })
    const events = await collect(a.client.stream(taskId))
    assert.deepEqual(texts(events), ['Hel', 'lo', ' mesh'])
    const last = events.at(-1)
    assert.deepEqual(last?.type === 'result' && last.result.result, {
      content: 'Hello mesh',
      model: 'fake',
      usage: { total_tokens: 3 }
    })
    assert.equal(model.streamed.at(-1), true, 'the handler asked the model to stream')
    const cli = await a.cli(['submit', '--capability', 'llm.chat', '--input', '"again"', '--stream'])
    assert.equal(cli.code, 0, cli.stderr)
    assert.ok(cli.stdout.startsWith('Hello mesh\n'), cli.stdout)
  })

  it("streams a module agent's async generator: its yields are pieces, its return the result", async () => {
    const { taskId } = await a.client.submitNoWait({ capability: 'gen.count', input: null })
    const events = await collect(a.client.stream(taskId))
    assert.deepEqual(texts(events), ['a ', 'b '])
    assert.ok(
      events.some((e) => e.type === 'progress'),
      JSON.stringify(events)
    )
    const last = events.at(-1)
    assert.equal(last?.type, 'result')
    assert.deepEqual((await a.client.task(taskId)).result, { counted: 2 })
  })

  it('counts the pieces it drops in /metrics, by reason', async () => {
    const before = await piecesDropped(b)
    const done = await a.client.submit({ capability: 'gen.flood', input: null, timeoutMs: 30_000 })
    assert.equal(done.status, 'completed')
    assert.deepEqual(done.result, { flooded: true })
    const after = await piecesDropped(b)
    assert.ok(
      after.too_large >= before.too_large + 1,
      `too_large moved: ${JSON.stringify({ before, after })}`
    )
    // 300 at once against bursts of 100: at least the other 200 are over the rate.
    assert.ok(
      after.task_rate >= before.task_rate + 150,
      `task_rate moved: ${JSON.stringify({ before, after })}`
    )
  })

  it("refuses a piece from a peer that is not the task's executor", async () => {
    let rogue: HostilePeer | undefined
    try {
      rogue = await createHostilePeer()
      const { taskId } = await a.client.submitNoWait({ capability: 'text.gated', input: { gate: 'rogue' } })
      const events: TaskStreamEvent[] = []
      const reading = (async () => {
        for await (const e of a.client.stream(taskId)) events.push(e)
      })()
      await waitFor(() => texts(events).length === 1, { timeoutMs: 30_000, message: 'the first real piece' })
      const session = await rogue.open((await a.client.id()).addresses[0] as string)
      const forged = { taskId, seq: 2, kind: 'partial', data: { text: 'forged ' }, executor: b.peerId }
      const before = await piecesDropped(a)
      session.send({ type: 'task_piece', id: 'p1', ...forged })
      const ack = await session.next()
      assert.deepEqual(ack, { type: 'piece_ack', id: 'p1', taskId, accepted: false, reason: 'not_executor' })
      assert.equal((await piecesDropped(a)).not_executor, before.not_executor + 1, 'counted in /metrics')
      writeFileSync(join(gates, 'rogue-0'), '')
      writeFileSync(join(gates, 'rogue-1'), '')
      await reading
      assert.deepEqual(texts(events), ['one ', 'two ', 'three'], 'the forged piece never reached the stream')
      assert.equal(events.at(-1)?.type, 'result')
    } finally {
      await rogue?.stop()
    }
  })
})

/** The helper's client keeps its token to itself; the data dir has it. */
function tokenOf(d: TestDaemon): string {
  return readFileSync(join(d.dataDir, 'api.token'), 'utf8').trim()
}
