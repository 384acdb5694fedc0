import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { connect, type RetryInfo } from '@mesh-node/client'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

const echo = { name: 'echo', capabilities: ['echo'], capacity: 2, handler: { kind: 'builtin', name: 'echo' } }
const slow = { name: 'slow', capabilities: ['work'], capacity: 2, handler: { kind: 'builtin', name: 'slow' } }

/** POST /v1/tasks as any HTTP client would, with an Idempotency-Key. */
async function post(d: TestDaemon, key: string, body: unknown) {
  const token = readFileSync(join(d.dataDir, 'api.token'), 'utf8').trim()
  const res = await fetch(`${d.url}/v1/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body)
  })
  return {
    status: res.status,
    replayed: res.headers.get('idempotent-replayed'),
    body: (await res.json()) as {
      taskId: string
      status?: string
      result?: unknown
      code?: string
      error?: string
    }
  }
}

describe('POST /v1/tasks with an Idempotency-Key', { timeout: 120_000 }, () => {
  const daemons: TestDaemon[] = []
  after(async () => {
    await stopAll(daemons)
  })

  it('returns the same task for the same key and body, and 409 for another body', async () => {
    const d = await startTestDaemon({ config: { agents: [echo] } })
    daemons.push(d)
    const body = { capability: 'echo', input: { n: 1 }, wait: false }
    const first = await post(d, 'key-1', body)
    assert.equal(first.status, 202, JSON.stringify(first.body))
    const taskId = first.body.taskId
    const again = await post(d, 'key-1', body)
    assert.equal(again.status, 200)
    assert.equal(again.replayed, 'true')
    assert.equal(again.body.taskId, taskId)
    const waited = await post(d, 'key-1', { ...body, wait: true })
    assert.equal(waited.body.taskId, taskId)
    assert.equal(waited.body.status, 'completed')
    assert.deepEqual(waited.body.result, { n: 1 })

    const conflict = await post(d, 'key-1', { ...body, input: { n: 2 } })
    assert.equal(conflict.status, 409)
    assert.equal(conflict.body.code, 'idempotency_conflict')
    assert.match(conflict.body.error ?? '', new RegExp(taskId))
    const malformed = await post(d, 'not a key!', body)
    assert.equal(malformed.status, 400)
    assert.match(malformed.body.error ?? '', /Idempotency-Key/)

    // Same key, same moment: both land in one group commit; one creates the task, the other replays it.
    const racing = await Promise.all([post(d, 'key-3', body), post(d, 'key-3', body), post(d, 'key-3', body)])
    assert.deepEqual(racing.map((r) => r.status).sort(), [200, 200, 202], JSON.stringify(racing))
    assert.equal(new Set(racing.map((r) => r.body.taskId)).size, 1, 'one task for key-3')

    const other = await post(d, 'key-2', body)
    assert.equal(other.status, 202)
    assert.notEqual(other.body.taskId, taskId)
    const ids = (await d.client.tasks()).map((t) => t.taskId)
    assert.equal(ids.filter((id) => id === taskId).length, 1, 'one task for key-1')
    assert.equal(ids.length, 3, 'three keys, three tasks')
  })

  it('the client retries a submit cut by an origin crash, follows the new port, and gets one task', async () => {
    const tag = uniqueTag()
    const [origin, worker] = await Promise.all([
      startTestDaemon({ tag }),
      startTestDaemon({ tag, config: { agents: [slow] } })
    ])
    daemons.push(origin, worker)
    await waitFor(async () => (await origin.client.agents({ capability: 'work' })).length > 0, {
      timeoutMs: 30_000,
      message: 'the origin to know the worker'
    })
    const retries: RetryInfo[] = []
    const client = await connect({
      dataDir: origin.dataDir,
      retryMs: 90_000,
      onRetry: (r) => retries.push(r)
    })
    const submitted = client.submit({ capability: 'work', input: { ms: 3000 }, timeoutMs: 60_000 })
    const task = await waitFor(async () => (await origin.client.tasks())[0], {
      message: 'the task to be accepted'
    })
    origin.kill('SIGKILL')
    await origin.exited()
    const restarted = await startTestDaemon({ dataDir: origin.dataDir, tag })
    daemons.push(restarted)
    assert.notEqual(restarted.url, origin.url, 'the restarted daemon listens on a new port')

    const result = await submitted
    assert.ok(retries.length > 0, 'the cut request was retried')
    assert.equal(result.taskId, task.taskId, 'the retry found the task the first try created')
    assert.equal(result.status, 'completed', JSON.stringify(result))
    assert.equal(client.url, restarted.url, 'the client followed the api file to the new port')
    const all = await restarted.client.tasks()
    assert.deepEqual(
      all.map((t) => t.taskId),
      [task.taskId],
      'exactly one task exists'
    )
  })
})
