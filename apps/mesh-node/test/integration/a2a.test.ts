import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type A2aV03Agent, startA2aV03Agent } from '../helpers/a2a-v03.js'
import { startTestDaemon, stopAll, type TestDaemon, uniqueTag } from '../helpers/daemon.js'
import { waitFor } from '../helpers/wait.js'

// The A2A agent built on the SDK's own server, from the agents package's tests.
const FIXTURE = new URL('../../../../../packages/agents/dist/test/fixtures/a2a-fixture.js', import.meta.url)
  .href

interface A2aFixture {
  url: string
  cancelled: string[]
  close(): Promise<void>
}

describe('an A2A agent behind an a2a agent, used from another daemon', { timeout: 300_000 }, () => {
  let remote: A2aFixture
  let legacy: A2aV03Agent
  let serving: TestDaemon
  let asking: TestDaemon

  before(async () => {
    const { startA2aFixture } = (await import(FIXTURE)) as { startA2aFixture: () => Promise<A2aFixture> }
    remote = await startA2aFixture()
    legacy = await startA2aV03Agent()
    const tag = uniqueTag()
    ;[serving, asking] = await Promise.all([
      startTestDaemon({
        tag,
        config: {
          agents: [
            { name: 'remote', capacity: 2, handler: { kind: 'a2a', url: remote.url, prefix: 'a2a.' } },
            { name: 'legacy', capacity: 2, handler: { kind: 'a2a', url: legacy.url, prefix: 'v03.' } }
          ]
        }
      }),
      startTestDaemon({ tag })
    ])
    await waitFor(async () => (await asking.client.agents({ capability: 'v03.wait' })).length > 0, {
      timeoutMs: 30_000,
      message: "node B to learn node A's A2A 0.3 skills"
    })
    await waitFor(async () => (await asking.client.agents({ capability: 'a2a.upper' })).length > 0, {
      timeoutMs: 30_000,
      message: "node B to learn node A's A2A skills"
    })
  })
  after(async () => {
    await stopAll([serving, asking])
    await remote?.close()
    await legacy?.close()
  })

  it('lists the skills as capabilities of node A', async () => {
    const agents = await asking.client.agents()
    const remoteAgent = agents.find((a) => a.agent === 'remote')
    assert.equal(remoteAgent?.peerId, serving.peerId)
    assert.deepEqual(remoteAgent?.capabilities.sort(), ['a2a.broken', 'a2a.slow', 'a2a.upper'])
  })

  it('runs a task on the remote A2A agent through node A', async () => {
    const done = await asking.client.submit({ capability: 'a2a.upper', input: { text: 'mesh' } })
    assert.equal(done.status, 'completed')
    assert.deepEqual(done.result, { upper: 'MESH' })
    assert.equal(done.executor, serving.peerId)
    const failed = await asking.client.submit({ capability: 'a2a.broken', input: {} })
    assert.equal(failed.status, 'failed')
    assert.match(failed.error?.message ?? '', /no skill broken/)
  })

  it("uses an A2A 0.3 agent by 0.3's method names: message/stream, then tasks/cancel", async () => {
    const done = await asking.client.submit({ capability: 'v03.shout', input: { text: 'old' } })
    assert.equal(done.status, 'completed', JSON.stringify(done.error))
    assert.deepEqual(done.result, { upper: 'OLD' })
    assert.equal(done.executor, serving.peerId)
    const { taskId } = await asking.client.submitNoWait({
      capability: 'v03.wait',
      input: {},
      timeoutMs: 60_000
    })
    await waitFor(() => legacy.methods.filter((m) => m === 'message/stream').length === 2 || undefined, {
      message: 'the second message/stream to reach the 0.3 agent'
    })
    await asking.client.cancel(taskId)
    await waitFor(() => legacy.cancelled.length === 1 || undefined, {
      message: 'tasks/cancel at the 0.3 agent'
    })
    assert.deepEqual(
      [...new Set(legacy.methods)].sort(),
      ['message/stream', 'tasks/cancel'],
      'only 0.3 names, which the agent knows'
    )
  })
})
