import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { TaskInfo } from '@mesh-node/client'
import { at } from '@mesh-node/test-utils'
import { execAgent } from '../helpers/agents.js'
import { startTestDaemon, stopAll, type TestDaemon, tmpDataDir, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

const tokenOf = (d: TestDaemon): string => readFileSync(join(d.dataDir, 'api.token'), 'utf8').trim()

/** JSON log lines of a daemon that name this task and carry this trace id. */
function linesOf(d: TestDaemon, taskId: string, traceId: string): Array<Record<string, unknown>> {
  return d
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.taskId === taskId && l.traceId === traceId)
}

describe('a task traced across daemons', { timeout: 300_000 }, () => {
  const daemons: TestDaemon[] = []
  let origin: TestDaemon
  let relay: TestDaemon
  let runner: TestDaemon
  /** The first test's task and what `task --trace` showed for it. */
  let traced: { taskId: string; trace: NonNullable<TaskInfo['trace']> } | undefined

  before(async () => {
    const tag = uniqueTag()
    // The runner takes tasks but never bids, so an auction can only pick the relay.
    const shy = execAgent(
      tmpDataDir(),
      'shy',
      `  await new Promise((r) => setTimeout(r, req.type === 'bid_request' ? 0 : 50))\n  process.stdout.write(JSON.stringify(req.type === 'bid_request' ? { decline: true } : { ran: 'runner' }))`
    )
    const started = await Promise.all([
      startTestDaemon({ tag, args: ['--name', 'origin'] }),
      startTestDaemon({
        tag,
        args: ['--name', 'relay'],
        config: {
          agents: [
            { name: 'slow', capabilities: ['work'], capacity: 1, handler: { kind: 'builtin', name: 'slow' } }
          ]
        }
      }),
      startTestDaemon({
        tag,
        args: ['--name', 'runner'],
        config: {
          agents: [
            { name: 'shy', capabilities: ['work'], capacity: 2, handler: { kind: 'exec', command: shy } }
          ]
        }
      })
    ])
    daemons.push(...started)
    ;[origin, relay, runner] = started
    for (const d of daemons)
      await waitFor(async () => (await d.client.agents({ capability: 'work' })).length === 2, {
        timeoutMs: 30_000,
        message: `${d.peerId} to know both work agents`
      })
  })

  after(async () => {
    await stopAll(daemons)
  })

  it("keeps the caller's trace id on every hop, and task --trace lists the hops in order", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const res = await fetch(`${origin.url}/v1/auctions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${tokenOf(origin)}`,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`
      },
      body: JSON.stringify({ capability: 'work', input: { ms: 10 }, deadlineMs: 1500, timeoutMs: 20_000 })
    })
    const body = (await res.json()) as { taskId: string; status: string; path: string[]; executor: string }
    assert.equal(res.status, 200, JSON.stringify(body))
    assert.equal(body.status, 'completed')
    // An auctioned task runs on the agent that bid (a target, never forwarded): the runner never bid.
    assert.deepEqual(body.path, [origin.peerId, relay.peerId], 'run by the bidder')

    for (const d of [origin, relay])
      await waitFor(() => linesOf(d, body.taskId, traceId).length > 0 || undefined, {
        timeoutMs: 10_000,
        message: `a log line of ${d.peerId} with the task id and trace id`
      })

    assert.equal(
      linesOf(runner, body.taskId, traceId).length,
      0,
      'the runner, which did not bid, never had it'
    )

    const cli = await origin.cli(['task', body.taskId, '--trace', '--json'])
    assert.equal(cli.code, 0, cli.stderr)
    const task = JSON.parse(cli.stdout) as TaskInfo
    const trace = task.trace
    assert.ok(trace != null)
    assert.equal(trace.traceId, traceId)
    assert.deepEqual(
      trace.spans.map((s) => [s.peerId, s.role]),
      [
        [origin.peerId, 'forwarder'],
        [relay.peerId, 'executor']
      ]
    )
    assert.equal(new Set(trace.spans.map((s) => s.spanId)).size, 2, 'each hop its own span id')
    assert.ok(
      !trace.spans.some((s) => s.spanId === '00f067aa0ba902b7'),
      "the caller's span is the parent, not a hop's"
    )
    const first = at(trace.spans, 0)
    const total = first.queuedMs + first.executedMs + first.forwardedMs
    let own = 0
    for (const s of trace.spans) {
      for (const v of [s.queuedMs, s.executedMs, s.forwardedMs]) assert.ok(v >= 0, JSON.stringify(s))
      own += s.queuedMs + s.executedMs
    }
    assert.ok(own <= total, `hops' own times (${own} ms) within the total (${total} ms)`)
    assert.ok(at(trace.spans, 1).executedMs > 0, 'the relay ran it')
    traced = { taskId: body.taskId, trace }

    const text = await origin.cli(['task', body.taskId, '--trace'])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, new RegExp(`^trace\\s+${traceId}$`, 'm'))
    const rows = text.stdout.split('\n').filter((l) => /^\d\s/.test(l))
    assert.deepEqual(
      rows.map((r) => r.split(/\s+/).slice(0, 2)),
      [
        ['0', 'origin'],
        ['1', 'relay']
      ]
    )
  })

  it('makes a trace when the caller sends none, and refuses a malformed traceparent', async () => {
    const { taskId } = await origin.client.submitNoWait({
      capability: 'work',
      input: { ms: 1 },
      timeoutMs: 20_000
    })
    const task = await waitFor(
      async () => {
        const t = await origin.client.task(taskId)
        return t.trace != null ? t : undefined
      },
      { message: 'the trace of a task submitted without traceparent' }
    )
    assert.match(task.trace?.traceId ?? '', /^[0-9a-f]{32}$/)
    assert.equal(
      task.trace?.traceId,
      taskId.replaceAll('-', ''),
      'the trace id is the task id, so either finds the other'
    )

    const bad = await fetch(`${origin.url}/v1/tasks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${tokenOf(origin)}`,
        traceparent: 'nope'
      },
      body: JSON.stringify({ capability: 'work' })
    })
    assert.equal(bad.status, 400)
    const err = (await bad.json()) as { code: string; error: string }
    assert.equal(err.code, 'bad_traceparent')
    assert.match(err.error, /00-<32 hex trace id>-<16 hex span id>/)
  })

  it("still shows a finished task's trace after the origin restarts", async () => {
    assert.ok(traced != null, 'the first test traced a task')
    origin.kill('SIGKILL')
    await origin.exited()
    origin = await startTestDaemon({ dataDir: origin.dataDir, tag: origin.tag, args: ['--name', 'origin'] })
    daemons.push(origin)
    const cli = await origin.cli(['task', traced.taskId, '--trace', '--json'])
    assert.equal(cli.code, 0, cli.stderr)
    const task = JSON.parse(cli.stdout) as TaskInfo
    assert.equal(task.status, 'completed')
    assert.deepEqual(task.trace, traced.trace, 'the journaled trace, span for span')
    // Names come with the peers' state, which the restarted origin learns anew.
    const tracedId = traced.taskId
    await waitFor(
      async () => /^1\s+relay\s/m.test((await origin.cli(['task', tracedId, '--trace'])).stdout) || undefined,
      { timeoutMs: 30_000, message: 'the restarted origin to show the hops by name' }
    )
  })
})
