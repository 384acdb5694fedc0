import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { at } from '@mesh-node/test-utils'
import {
  type AgentSpec,
  type AgentState,
  createAgentRuntime,
  HandlerError,
  type TaskRequest
} from '../src/index.js'
import { task, vote } from './helpers.js'

const baseDir = process.cwd()

function slowAgent(name: string, capacity: number, capabilities = ['work']): AgentSpec {
  return {
    name,
    capabilities,
    capacity,
    handler: { kind: 'builtin', name: 'slow', options: { vote: 'last' } }
  }
}

const work = (ms: number, extra: Partial<TaskRequest> = {}) => task({ ms }, { capability: 'work', ...extra })

/** Resolves with the first snapshot that satisfies `predicate`. */
function stateWhere(
  runtime: { onChange(l: (s: AgentState[]) => void): () => void },
  predicate: (s: AgentState[]) => boolean
): Promise<AgentState[]> {
  return new Promise((resolve) => {
    const off = runtime.onChange((states) => {
      if (!predicate(states)) return
      off()
      resolve(states)
    })
  })
}

describe('agent runtime', () => {
  it('never runs more tasks than capacity, even when started concurrently', async () => {
    const runtime = await createAgentRuntime({ agents: [slowAgent('w', 2)], baseDir })
    const counts: number[] = []
    runtime.onChange((states) => counts.push(at(states, 0).running))

    const outcomes = Array.from({ length: 5 }, () => runtime.runTask(work(150)))
    const state = at(runtime.list(), 0)
    assert.equal(state.running, 2)
    assert.equal(state.load, 1)
    assert.equal(state.handlerKind, 'builtin')

    const settled = await Promise.all(outcomes)
    assert.deepEqual(
      settled.map((o) => o.status),
      ['completed', 'completed', 'busy', 'busy', 'busy']
    )
    assert.deepEqual(settled[0], {
      status: 'completed',
      agent: 'w',
      result: { slept: 150, input: { ms: 150 } }
    })
    assert.deepEqual(counts, [1, 2, 1, 0], 'onChange fires on every start and finish')
    assert.equal(at(runtime.list(), 0).load, 0)
    await runtime.close()
  })

  it('sends each task to the least-loaded agent, ties broken by name', async () => {
    const runtime = await createAgentRuntime({
      agents: [slowAgent('b', 2), slowAgent('a', 4), slowAgent('other', 1, ['else'])],
      baseDir
    })
    assert.deepEqual(runtime.capabilities(), ['else', 'work'])
    const controller = new AbortController()
    const running = Array.from({ length: 4 }, () =>
      runtime.runTask(work(30_000), { signal: controller.signal })
    )
    // Loads a/b: 0/4 = 0/2 -> a (by name); 1/4 > 0/2 -> b; 1/4 < 1/2 -> a; 2/4 = 1/2 -> a (by name)
    assert.deepEqual(
      runtime.candidates('work').map((s) => [s.name, s.running, s.load]),
      [
        ['b', 1, 0.5],
        ['a', 3, 0.75]
      ]
    )
    controller.abort()
    const outcomes = await Promise.all(running)
    assert.deepEqual(
      outcomes.map((o) => (o.status === 'failed' ? o.agent : o.status)),
      ['a', 'b', 'a', 'a']
    )
    await runtime.close()
  })

  it("answers 'none' for a capability no local agent has", async () => {
    const runtime = await createAgentRuntime({ agents: [slowAgent('w', 1)], baseDir })
    assert.deepEqual(await runtime.runTask(task('x', { capability: 'nobody.has.this' })), { status: 'none' })
    assert.deepEqual(runtime.candidates('nobody.has.this'), [])
    await runtime.close()
  })

  it('reports handler failures and non-JSON results as failed outcomes', async () => {
    const runtime = await createAgentRuntime({
      agents: [
        { name: 'f', capabilities: ['fail'], capacity: 1, handler: { kind: 'builtin', name: 'fail' } },
        { name: 'e', capabilities: ['echo'], capacity: 1, handler: { kind: 'builtin', name: 'echo' } }
      ],
      baseDir
    })
    assert.deepEqual(await runtime.runTask(task({ message: 'kaput' }, { capability: 'fail' })), {
      status: 'failed',
      agent: 'f',
      error: { code: 'handler_failed', message: 'kaput' }
    })
    assert.deepEqual(await runtime.runTask(task(undefined, { capability: 'echo' })), {
      status: 'completed',
      agent: 'e',
      result: null
    })
    await runtime.close()
  })

  it("joins its log lines for a task to the task's trace id", async () => {
    const lines: { msg: string; fields: Record<string, unknown> }[] = []
    const runtime = await createAgentRuntime({
      agents: [
        { name: 'f', capabilities: ['fail'], capacity: 1, handler: { kind: 'builtin', name: 'fail' } }
      ],
      baseDir,
      log: (_level, msg, fields = {}) => lines.push({ msg, fields })
    })
    const request = task({ message: 'kaput' }, { capability: 'fail' })
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    await runtime.runTask(request, { traceId })
    const failed = lines.find((l) => l.msg === 'task failed')
    assert.equal(failed?.fields.taskId, request.taskId)
    assert.equal(failed?.fields.traceId, traceId)
    await runtime.close()
  })

  it('still answers questions while an agent is at capacity', async () => {
    const runtime = await createAgentRuntime({ agents: [slowAgent('w', 1)], baseDir })
    const controller = new AbortController()
    const busy = runtime.runTask(work(30_000), { signal: controller.signal })
    assert.deepEqual(await runtime.runTask(work(10)), { status: 'busy' })
    assert.deepEqual(await runtime.ask('w', vote(['x', 'y', 'z'])), { choice: 'z' })
    assert.equal(at(runtime.list(), 0).running, 1, 'ask() takes no slot')
    await assert.rejects(runtime.ask('ghost', vote(['x'])), {
      code: 'handler_unsupported',
      message: /"ghost"/
    })
    controller.abort()
    const outcome = await busy
    assert.equal(outcome.status, 'failed')
    await runtime.close()
  })

  it('bounds the questions one agent answers at once, queues a few and refuses the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-questions-'))
    // Counts how many answers are in progress at once; each takes 40 ms.
    writeFileSync(
      join(dir, 'count.mjs'),
      `let now = 0; let peak = 0
       export default async (request) => {
         if (request.type === 'task_request') return { peak }
         now++; peak = Math.max(peak, now)
         await new Promise((r) => setTimeout(r, 40))
         now--
         return { choice: request.options[0] }
       }`
    )
    const runtime = await createAgentRuntime({
      agents: [
        { name: 'q', capabilities: ['peak'], capacity: 2, handler: { kind: 'module', path: 'count.mjs' } }
      ],
      baseDir: dir
    })
    try {
      // 2 run, 16 wait (8 per slot), the other 12 are refused at once.
      const asks = Array.from({ length: 30 }, () =>
        runtime.ask('q', vote(['a', 'b'])).then(
          (a) => ({ ok: a }),
          (err: HandlerError) => ({ err: err.code })
        )
      )
      const settled = await Promise.all(asks)
      assert.equal(settled.filter((s) => 'ok' in s).length, 18)
      assert.deepEqual(
        [...new Set(settled.filter((s) => 'err' in s).map((s) => (s as { err: string }).err))],
        ['handler_busy']
      )
      const outcome = await runtime.runTask(task(null, { capability: 'peak' }))
      assert.deepEqual(outcome.status === 'completed' && outcome.result, { peak: 2 })
      // A question that gives up while queued leaves the queue.
      const stuck = Array.from({ length: 2 }, () => runtime.ask('q', vote(['a'])))
      const impatient = runtime.ask('q', vote(['a']), { signal: AbortSignal.timeout(5) })
      await assert.rejects(impatient, { code: 'handler_timeout' })
      await Promise.all(stuck)
      assert.deepEqual(await runtime.ask('q', vote(['z'])), { choice: 'z' })
    } finally {
      await runtime.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('close() aborts running handlers, including exec processes', async () => {
    const runtime = await createAgentRuntime({
      agents: [
        slowAgent('w', 1),
        {
          name: 'x',
          capabilities: ['sleep'],
          capacity: 1,
          handler: { kind: 'exec', command: ['/bin/sh', '-c', 'sleep 30'] }
        }
      ],
      baseDir
    })
    const running = [runtime.runTask(work(30_000)), runtime.runTask(task(null, { capability: 'sleep' }))]
    const idle = stateWhere(runtime, (s) => s.every((a) => a.running === 0))
    const started = Date.now()
    await runtime.close()
    assert.ok(Date.now() - started < 5000)
    for (const outcome of await Promise.all(running)) {
      assert.equal(outcome.status, 'failed')
      assert.match(
        outcome.status === 'failed' ? outcome.error.message : '',
        /aborted: the agent runtime is closing/
      )
    }
    await idle
    assert.deepEqual(
      await runtime.runTask(work(1)),
      { status: 'busy' },
      'a closed runtime takes no more work'
    )
  })

  it('names the agent when a handler cannot be built', async () => {
    await assert.rejects(
      createAgentRuntime({
        agents: [
          {
            name: 'm',
            capabilities: ['x'],
            capacity: 1,
            handler: { kind: 'module', path: './does-not-exist.mjs' }
          }
        ],
        baseDir
      }),
      (err: unknown) => err instanceof HandlerError && /^agent "m": could not load module/.test(err.message)
    )
  })
})
