import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

/** One sample's value from a Prometheus text exposition, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line)
    if (m == null || m[1] !== name) continue
    const have = m[2] ?? ''
    if (Object.entries(labels).every(([k, v]) => have.includes(`${k}="${v}"`))) return Number(m[3])
  }
  return undefined
}

function metricsUrlOf(d: TestDaemon): string | undefined {
  return /"metrics":"(http:\/\/[^"]+)"/.exec(d.output())?.[1]
}

describe('metrics and health', { timeout: 300_000 }, () => {
  let worker: TestDaemon
  let origin: TestDaemon
  let metricsUrl: string
  let token: string

  before(async () => {
    const tag = uniqueTag()
    ;[worker, origin] = await Promise.all([
      startTestDaemon({
        tag,
        config: {
          agents: [
            { name: 'echo', capabilities: ['echo'], capacity: 3, handler: { kind: 'builtin', name: 'echo' } },
            {
              name: 'broken',
              capabilities: ['always.fails'],
              capacity: 1,
              handler: { kind: 'builtin', name: 'fail', options: { message: 'no' } }
            }
          ]
        }
      }),
      startTestDaemon({ tag, args: ['--metrics', '127.0.0.1:0'] })
    ])
    metricsUrl = await waitFor(() => metricsUrlOf(origin), { message: 'the metrics address in the log' })
    token = readFileSync(join(origin.dataDir, 'api.token'), 'utf8').trim()
  })

  after(async () => {
    await stopAll([worker, origin])
  })

  it('reports ready once the journal is open and discovery has run', async () => {
    const report = await waitFor(
      async () => {
        const res = await fetch(`${origin.url}/v1/health`)
        const body = (await res.json()) as { ready: boolean; live: boolean; checks: Record<string, boolean> }
        return res.status === 200 && body
      },
      { message: 'health to say ready' }
    )
    assert.equal(report.live, true)
    assert.deepEqual(report.checks, { journal: true, discovery: true })
    const viaListener = await fetch(`${metricsUrl}/v1/health`)
    assert.equal(viaListener.status, 200)
  })

  it('serves /metrics without a token on the listener, and only with one on the API', async () => {
    const open = await fetch(`${metricsUrl}/metrics`)
    assert.equal(open.status, 200)
    assert.match(open.headers.get('content-type') ?? '', /text\/plain/)
    const text = await open.text()
    for (const name of [
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'mesh_connections',
      'mesh_journal_bytes',
      'libp2p_data_transfer_bytes_total'
    ])
      assert.ok(sample(text, name) != null, `${name} is exposed`)
    assert.ok((sample(text, 'mesh_journal_bytes') ?? 0) > 0, 'the journal has a size on disk')

    const denied = await fetch(`${origin.url}/metrics`)
    assert.equal(denied.status, 401)
    assert.equal(((await denied.json()) as { code: string }).code, 'unauthorized')
    const allowed = await fetch(`${origin.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(allowed.status, 200)
    assert.ok(sample(await allowed.text(), 'mesh_tasks_in_flight') != null)
    // The listener is for scrapers only: nothing that acts on the node.
    const other = await fetch(`${metricsUrl}/v1/id`)
    assert.equal(other.status, 401)
  })

  it('moves the task, attempt, gossip and membership metrics as work flows', async () => {
    await waitFor(
      async () =>
        (await origin.client.agents()).some((a) => a.agent === 'echo' && a.peerId === worker.peerId),
      { message: 'the origin to learn the echo agent' }
    )
    const scrape = async (): Promise<string> => await (await fetch(`${metricsUrl}/metrics`)).text()
    const before = await scrape()
    const done = (t: string): number =>
      sample(t, 'mesh_tasks_total', { capability: 'echo', outcome: 'completed' }) ?? 0
    for (let i = 0; i < 3; i++) {
      const r = await origin.client.submit({ capability: 'echo', input: i, timeoutMs: 10_000 })
      assert.equal(r.status, 'completed')
    }
    const failed = await origin.client.submit({ capability: 'always.fails', input: 1, timeoutMs: 10_000 })
    assert.equal(failed.status, 'failed')

    const after = await scrape()
    assert.equal(done(after) - done(before), 3)
    assert.equal(sample(after, 'mesh_tasks_total', { capability: 'always.fails', outcome: 'failed' }), 1)
    assert.equal(sample(after, 'mesh_tasks_accepted_total', { capability: 'echo' }), 3)
    assert.equal(sample(after, 'mesh_task_duration_seconds_count', { capability: 'echo' }), 3)
    assert.equal(
      sample(after, 'mesh_task_attempt_duration_seconds_count', { capability: 'echo', outcome: 'completed' }),
      3
    )
    assert.equal(sample(after, 'mesh_tasks_in_flight'), 0)
    assert.equal(sample(after, 'mesh_members', { state: 'alive' }), 1)
    assert.equal(sample(after, 'mesh_agent_capacity', { peer: worker.peerId, agent: 'echo' }), 3)
    assert.ok((sample(after, 'mesh_gossip_messages_received_total') ?? 0) > 0, 'state gossip arrives')
    assert.ok((sample(after, 'mesh_gossip_bytes_received_total') ?? 0) > 0)

    // The executor counts what it ran for others.
    const workerToken = readFileSync(join(worker.dataDir, 'api.token'), 'utf8').trim()
    const workerText = await (
      await fetch(`${worker.url}/metrics`, { headers: { authorization: `Bearer ${workerToken}` } })
    ).text()
    assert.equal(
      sample(workerText, 'mesh_executions_total', {
        role: 'executor',
        capability: 'echo',
        outcome: 'completed'
      }),
      3
    )
  })

  it('rejects a bad --metrics address with a clear error', async () => {
    const res = await origin.cli(['start', '--metrics', 'nonsense'], { timeoutMs: 30_000 })
    assert.notEqual(res.code, 0)
    assert.match(res.stderr, /metrics address "nonsense" must be HOST:PORT/)
  })
})
